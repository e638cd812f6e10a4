#include "common/api/types/countries.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/api/aip/validation.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace atlas::api {

absl::StatusOr<CountryList> CountryList::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read ISO 3166-1 list ", path,
                     " (install Debian's iso-codes package)"));
  }
  std::stringstream text;
  text << in.rdbuf();
  auto list = Parse(text.str());
  if (!list.ok()) {
    return absl::Status(list.status().code(),
                        absl::StrCat(path, ": ", list.status().message()));
  }
  return list;
}

absl::StatusOr<CountryList> CountryList::Parse(absl::string_view json) {
  // protobuf's JSON parser reads the file into a Struct: no JSON library of
  // our own.
  google::protobuf::Struct root;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &root, options);
  if (!parsed.ok()) {
    return absl::DataLossError("ISO 3166-1 list is not valid JSON");
  }
  auto it = root.fields().find("3166-1");
  if (it == root.fields().end() || !it->second.has_list_value()) {
    return absl::DataLossError("ISO 3166-1 list has no \"3166-1\" array");
  }
  CountryList list;
  for (const auto& entry : it->second.list_value().values()) {
    if (!entry.has_struct_value()) continue;
    const auto& fields = entry.struct_value().fields();
    auto code = fields.find("alpha_2");
    if (code == fields.end() || code->second.string_value().size() != 2) {
      continue;
    }
    auto name = fields.find("name");
    list.names_[code->second.string_value()] =
        name == fields.end() ? "" : name->second.string_value();
  }
  if (list.names_.empty()) {
    return absl::DataLossError("ISO 3166-1 list holds no country");
  }
  return list;
}

absl::StatusOr<const CountryList*> CountryList::Default() {
  static const absl::StatusOr<CountryList>* const loaded =
      new absl::StatusOr<CountryList>(LoadFile(kDebianIso3166Path));
  if (!loaded->ok()) return loaded->status();
  return &**loaded;
}

std::string CountryList::Name(absl::string_view alpha2) const {
  auto it = names_.find(alpha2);
  return it == names_.end() ? "" : it->second;
}

absl::Status CountryList::Validate(absl::string_view alpha2,
                                   absl::string_view field) const {
  if (alpha2.empty()) return absl::OkStatus();
  absl::Status shape = ValidateCountryShape(alpha2, field);
  if (!shape.ok()) return shape;
  if (!Contains(alpha2)) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": \"", alpha2, "\" is not an ISO 3166-1 alpha-2 country code"));
  }
  return absl::OkStatus();
}

}  // namespace atlas::api
