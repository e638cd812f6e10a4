#include "tools/atlasctl/veris/batch_errors.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"

namespace atlas::atlasctl::veris {
namespace {

constexpr absl::string_view kRequestsPrefix = "requests[";

}  // namespace

int NamedRequest(absl::string_view message) {
  if (!absl::ConsumePrefix(&message, kRequestsPrefix)) return -1;
  size_t close = message.find(']');
  int index;
  if (close == absl::string_view::npos ||
      !absl::SimpleAtoi(message.substr(0, close), &index) || index < 0) {
    return -1;
  }
  return index;
}

absl::Status OwnError(const absl::Status& status) {
  absl::string_view message = status.message();
  size_t close = message.find(']');
  if (!absl::StartsWith(message, kRequestsPrefix) ||
      close == absl::string_view::npos) {
    return status;
  }
  message.remove_prefix(close + 1);
  absl::ConsumePrefix(&message, ".");
  message = absl::StripLeadingAsciiWhitespace(message);
  return absl::Status(status.code(), message);
}

}  // namespace atlas::atlasctl::veris
