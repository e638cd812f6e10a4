// The source of atlas_test_pch (tests/CMakeLists.txt): the target exists to
// build the precompiled header every test reuses; it has no code of its own.
