// Reading the error of an all-or-nothing batch call (AIP-233), whose
// message names the failing request as "requests[i]...": which request it
// was, and the error as that request alone would have got it.
#ifndef ATLAS_TOOLS_ATLASCTL_VERIS_BATCH_ERRORS_H_
#define ATLAS_TOOLS_ATLASCTL_VERIS_BATCH_ERRORS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace atlas::atlasctl::veris {

// The request a batch error names ("requests[3].incident.summary: ..." ->
// 3), or -1.
int NamedRequest(absl::string_view message);

// `status` without the "requests[i]." that names the request in a batch
// ("requests[3].incident.summary: too long" -> "incident.summary: too
// long"); other statuses unchanged.
absl::Status OwnError(const absl::Status& status);

}  // namespace atlas::atlasctl::veris

#endif  // ATLAS_TOOLS_ATLASCTL_VERIS_BATCH_ERRORS_H_
