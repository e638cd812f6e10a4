// An OrganizationDirectory for benchmarks that drive incident-service without
// a catalog: every victim exists (the benchmark made the organisations, or
// does not measure the victim check).
#ifndef ATLAS_BENCH_EVERY_ORGANIZATION_EXISTS_H_
#define ATLAS_BENCH_EVERY_ORGANIZATION_EXISTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "incident-service/organization_directory.h"

namespace atlas::bench {

class EveryOrganizationExists final : public incident::OrganizationDirectory {
 public:
  absl::StatusOr<std::optional<std::string>> FindMissing(
      const std::vector<std::string>&) override {
    return std::optional<std::string>();
  }
};

}  // namespace atlas::bench

#endif  // ATLAS_BENCH_EVERY_ORGANIZATION_EXISTS_H_
