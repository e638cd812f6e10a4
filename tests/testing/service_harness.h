// Both in-process services, for tests that use both (see catalog_harness.h
// and incident_harness.h).
#ifndef ATLAS_TESTS_TESTING_SERVICE_HARNESS_H_
#define ATLAS_TESTS_TESTING_SERVICE_HARNESS_H_

#include "tests/testing/catalog_harness.h"
#include "tests/testing/incident_harness.h"

#endif  // ATLAS_TESTS_TESTING_SERVICE_HARNESS_H_
