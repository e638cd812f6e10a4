// `atlasctl import --format=veris [--update] [--veris_dir=DIR] PATH...`:
// the command-line face of VerisImporter (see veris_importer.h for what
// it does and prints, docs/interop.md for the mapping).
//
// The VERIS schema is read from --veris_dir, else $ATLAS_VERIS_DIR, else
// the first of `datasets/veris` (the repository, when run from its root,
// as the services find their data), `/usr/share/atlas/veris` (the
// container image) that holds verisc-merged.json.
//
// Exit status: 0 when no record was refused, 1 otherwise (or when the
// schema cannot be loaded: `error: FAILED_PRECONDITION: ...`).
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_IMPORT_COMMAND_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_IMPORT_COMMAND_H_

#include <string>

#include "absl/status/status.h"
#include "tools/atlasctl/cli.h"

namespace atlas::atlasctl::veris {

// Runs the import of `invocation.args` (the PATHs).
absl::Status RunVerisImport(const Invocation& invocation, Env& env);

// The directory the VERIS schema is read from (see above); `flag` is
// --veris_dir ("" when absent).
std::string VerisDirectory(const std::string& flag);

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_VERIS_IMPORT_COMMAND_H_
