#include "tools/atlasctl/veris/veris_import_command.h"

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "common/api/types/countries.h"
#include "common/veris/veris_schema.h"
#include "tools/atlasctl/veris/veris_importer.h"

namespace atlas::atlasctl::veris {
namespace {

constexpr char kSchemaFile[] = "verisc-merged.json";

}  // namespace

std::string VerisDirectory(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("ATLAS_VERIS_DIR");
      env != nullptr && *env != '\0') {
    return env;
  }
  for (const char* candidate : {"datasets/veris", "/usr/share/atlas/veris"}) {
    std::error_code error;
    if (std::filesystem::exists(std::filesystem::path(candidate) / kSchemaFile,
                                error)) {
      return candidate;
    }
  }
  return "datasets/veris";
}

absl::Status RunVerisImport(const Invocation& invocation, Env& env) {
  const std::string dir =
      VerisDirectory(invocation.Flag("veris-dir").value_or(""));
  absl::StatusOr<::atlas::veris::VerisSchema> schema =
      ::atlas::veris::VerisSchema::Load(dir);
  if (!schema.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot load the VERIS schema from ", dir,
        " (set --veris_dir or $ATLAS_VERIS_DIR): ", schema.status().message()));
  }
  absl::StatusOr<const api::CountryList*> countries =
      api::CountryList::Default();
  if (!countries.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load the ISO 3166-1 country list: ",
                     countries.status().message()));
  }
  auto catalog = catalog::v1::CatalogService::NewStub(env.CatalogChannel());
  auto incidents =
      incident::v1::IncidentService::NewStub(env.IncidentsChannel());

  VerisImporter::Options options;
  options.paths = invocation.args;
  options.update = invocation.Flag("update").value_or("false") == "true";
  VerisImporter importer(
      *schema, **countries, *catalog, *incidents,
      [&env] { return env.NewContext(); }, options);
  ImportTally::Counts counts = importer.Run(env.err());
  if (counts.refused == 0) return absl::OkStatus();
  return ReportedFailure(
      absl::StrCat(counts.refused, " records refused (listed above)"));
}

}  // namespace atlas::atlasctl::veris
