#include "common/api/aip/validation.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/unknown_field_set.h"

namespace atlas::api {

bool IsValidUtf8(absl::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    int extra;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      extra = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    for (int i = 1; i <= extra; ++i) {
      if ((p[i] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3f);
    }
    static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    p += extra + 1;
  }
  return true;
}

size_t Utf8Length(absl::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  }));
}

absl::Status ValidateText(absl::string_view value, absl::string_view field,
                          size_t min_chars, size_t max_chars) {
  if (!IsValidUtf8(value)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": not valid UTF-8"));
  }
  size_t n = Utf8Length(value);
  if (n < min_chars) {
    return absl::InvalidArgumentError(
        min_chars == 1 ? absl::StrCat(field, ": required")
                       : absl::StrCat(field, ": at least ", min_chars,
                                      " characters, got ", n));
  }
  if (n > max_chars) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", max_chars, " characters, got ", n));
  }
  for (unsigned char c : value) {
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": control characters are not allowed"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.size() > 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id: at most 64 characters, got ", request_id.size()));
  }
  for (char c : request_id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) {
      return absl::InvalidArgumentError(
          "request_id: only letters, digits, '.', '_' and '-' are allowed");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateCount(int count, absl::string_view field, int max) {
  if (count > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", max, " items, got ", count));
  }
  return absl::OkStatus();
}

absl::Status ValidateCountryShape(absl::string_view country,
                                  absl::string_view field) {
  if (country.size() != 2 || country[0] < 'A' || country[0] > 'Z' ||
      country[1] < 'A' || country[1] > 'Z') {
    return absl::InvalidArgumentError(absl::StrCat(
        field, ": \"", country.substr(0, 16),
        "\" is not an ISO 3166-1 alpha-2 code (two upper-case letters)"));
  }
  return absl::OkStatus();
}

absl::Status ValidateUpdateMask(
    const google::protobuf::FieldMask& mask,
    std::initializer_list<absl::string_view> writable,
    std::initializer_list<absl::string_view> output_only,
    std::vector<std::string>* paths) {
  paths->clear();
  if (mask.paths_size() == 0) {
    return absl::InvalidArgumentError(
        "update_mask: required; name the fields to replace, or \"*\"");
  }
  if (mask.paths_size() == 1 && mask.paths(0) == "*") {
    for (absl::string_view w : writable) paths->emplace_back(w);
    return absl::OkStatus();
  }
  for (const std::string& path : mask.paths()) {
    if (std::find(writable.begin(), writable.end(), path) != writable.end()) {
      if (std::find(paths->begin(), paths->end(), path) == paths->end()) {
        paths->push_back(path);
      }
      continue;
    }
    if (std::find(output_only.begin(), output_only.end(), path) !=
        output_only.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("update_mask: \"", path, "\" is output only"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("update_mask: unknown field \"",
                     absl::string_view(path).substr(0, 100), "\""));
  }
  return absl::OkStatus();
}

google::protobuf::Timestamp ToProtoTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  int64_t micros = absl::ToUnixMicros(t);
  ts.set_seconds(micros / 1000000);
  ts.set_nanos(static_cast<int32_t>((micros % 1000000) * 1000));
  if (ts.nanos() < 0) {
    ts.set_seconds(ts.seconds() - 1);
    ts.set_nanos(ts.nanos() + 1000000000);
  }
  return ts;
}

absl::Time FromProtoTimestamp(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

namespace {

// Depth-first; `path` is the field path of `m` ("" for the request).
absl::Status FindUnknown(const google::protobuf::Message& m,
                         const std::string& path, int depth) {
  const google::protobuf::Reflection* r = m.GetReflection();
  const google::protobuf::UnknownFieldSet& unknown = r->GetUnknownFields(m);
  if (!unknown.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path.empty() ? "request" : path, ": unknown field ",
                     unknown.field(0).number(),
                     " (not part of this API; nothing was written)"));
  }
  // Requests nest a few levels; the size limit bounds the rest.
  if (depth > 32) return absl::OkStatus();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r->ListFields(m, &fields);
  for (const google::protobuf::FieldDescriptor* f : fields) {
    if (f->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    const std::string child =
        path.empty() ? f->name() : absl::StrCat(path, ".", f->name());
    if (!f->is_repeated()) {
      absl::Status s = FindUnknown(r->GetMessage(m, f), child, depth + 1);
      if (!s.ok()) return s;
      continue;
    }
    for (int i = 0; i < r->FieldSize(m, f); ++i) {
      absl::Status s = FindUnknown(r->GetRepeatedMessage(m, f, i),
                                   absl::StrCat(child, "[", i, "]"), depth + 1);
      if (!s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RejectUnknownFields(const google::protobuf::Message& request) {
  return FindUnknown(request, "", 0);
}

}  // namespace atlas::api
