#include "common/auth/api_keys.h"

#include <openssl/crypto.h>

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/api/aip/digest.h"
#include "common/status/error_details.h"

namespace atlas::auth {
namespace {

bool ParseRole(absl::string_view name, Role* role) {
  if (name == "member")
    *role = Role::kMember;
  else if (name == "editor")
    *role = Role::kEditor;
  else if (name == "admin")
    *role = Role::kAdmin;
  else if (name == "service")
    *role = Role::kService;
  else
    return false;
  return true;
}

bool IsHex64(absl::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kPublic:
      return "public";
    case Role::kMember:
      return "member";
    case Role::kEditor:
      return "editor";
    case Role::kAdmin:
      return "admin";
    case Role::kService:
      return "service";
  }
  return "public";
}

absl::StatusOr<KeyRegistry> KeyRegistry::Parse(absl::string_view text) {
  KeyRegistry registry;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (parts.size() < 2 || parts.size() > 3) {
      return absl::InvalidArgumentError(
          absl::StrCat("key file line ", line_number,
                       ": expected \"<sha256-hex> <role> [label]\""));
    }
    if (!IsHex64(parts[0])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "key file line ", line_number,
          ": the digest must be 64 hex characters (the SHA-256 of the key)"));
    }
    Entry entry;
    if (!ParseRole(parts[1], &entry.role)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "key file line ", line_number, ": unknown role \"",
          parts[1].substr(0, 32), "\" (member, editor, admin or service)"));
    }
    entry.digest = absl::HexStringToBytes(absl::AsciiStrToLower(parts[0]));
    entry.label = parts.size() == 3 ? std::string(parts[2])
                                    : absl::StrCat("line-", line_number);
    for (const Entry& e : registry.entries_) {
      if (e.digest == entry.digest) {
        return absl::InvalidArgumentError(absl::StrCat(
            "key file line ", line_number, ": duplicate key digest"));
      }
    }
    registry.entries_.push_back(std::move(entry));
  }
  return registry;
}

absl::StatusOr<KeyRegistry> KeyRegistry::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read key file ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return Parse(buffer.str());
}

absl::StatusOr<Caller> KeyRegistry::Authenticate(
    absl::string_view authorization) const {
  if (authorization.empty()) return Caller{};
  absl::string_view key = authorization;
  if (!absl::ConsumePrefix(&key, "Bearer ") &&
      !absl::ConsumePrefix(&key, "bearer ")) {
    return status::WithErrorReason(
        absl::UnauthenticatedError("authorization: expected \"Bearer <key>\""),
        status::kReasonApiKeyInvalid);
  }
  key = absl::StripAsciiWhitespace(key);
  if (key.empty()) {
    return status::WithErrorReason(
        absl::UnauthenticatedError("authorization: the key is empty"),
        status::kReasonApiKeyInvalid);
  }
  std::string digest = api::Sha256(key);
  // Visit every entry and compare in constant time, so neither the position
  // of a match nor its bytes show in the timing.
  const Entry* match = nullptr;
  for (const Entry& e : entries_) {
    if (CRYPTO_memcmp(e.digest.data(), digest.data(), digest.size()) == 0) {
      match = &e;
    }
  }
  if (match == nullptr) {
    return status::WithErrorReason(
        absl::UnauthenticatedError("authorization: unknown API key"),
        status::kReasonApiKeyInvalid);
  }
  return Caller{match->role, match->label};
}

absl::Status RequireRole(const Caller& caller, Role required,
                         absl::string_view action) {
  if (caller.role == Role::kPublic) {
    return status::WithErrorReason(
        absl::UnauthenticatedError(absl::StrCat(
            action, " needs an API key (authorization: Bearer <key>)")),
        status::kReasonApiKeyMissing);
  }
  // Least privilege: a service key reads as a member and may call the
  // internal methods the other service needs (kService), nothing else.
  // An administrator may call those too; nobody else.
  bool allowed;
  if (required == Role::kService) {
    allowed = caller.role == Role::kService || caller.role == Role::kAdmin;
  } else if (caller.role == Role::kService) {
    allowed = required <= Role::kMember;
  } else {
    allowed = caller.role >= required;
  }
  if (!allowed) {
    return status::WithErrorReason(
        absl::PermissionDeniedError(
            absl::StrCat(action, " needs the ", RoleName(required),
                         " role; this key has ", RoleName(caller.role))),
        status::kReasonRoleTooLow,
        {{"required_role", std::string(RoleName(required))}});
  }
  return absl::OkStatus();
}

}  // namespace atlas::auth
