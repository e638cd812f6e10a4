// API keys and roles (DESIGN.md section 5).
//
// Callers send `authorization: Bearer <key>`. The key file holds one key a
// line, as the SHA-256 of the key in hex, its role and an optional label:
//
//   # sha256(key)                                                    role label
//   9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 editor
//   alice
//
// Roles: member (reads everything), editor (writes), admin, service (the
// other service). Blank lines and lines starting with '#' are ignored.
// Raw keys never reach the disk or the logs.
#ifndef ATLAS_COMMON_AUTH_API_KEYS_H_
#define ATLAS_COMMON_AUTH_API_KEYS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace atlas::auth {

// Ordered: a role includes the rights of those below it, except kService
// (the other service): it reads as a member and may call the internal
// methods that require kService (as may kAdmin), and writes nothing.
enum class Role {
  kPublic = 0,
  kMember = 1,
  kEditor = 2,
  kAdmin = 3,
  kService = 4
};

absl::string_view RoleName(Role role);

// Who is calling. `label` names the key (never the key itself).
struct Caller {
  Role role = Role::kPublic;
  std::string label;

  bool IsMember() const { return role >= Role::kMember; }
};

class KeyRegistry {
 public:
  // A registry with no keys: every caller is public.
  KeyRegistry() = default;

  // Parses key-file text. INVALID_ARGUMENT naming the line for a malformed
  // digest, an unknown role or a duplicate digest.
  static absl::StatusOr<KeyRegistry> Parse(absl::string_view text);

  // Reads and parses a key file. NOT_FOUND if it cannot be read.
  static absl::StatusOr<KeyRegistry> LoadFile(const std::string& path);

  // The caller presenting `authorization` metadata (empty when absent).
  // Public for no header; UNAUTHENTICATED for a header that is not
  // "Bearer <key>" or a key not in the file. Digests are compared in
  // constant time.
  absl::StatusOr<Caller> Authenticate(absl::string_view authorization) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string digest;  // raw 32 bytes
    Role role;
    std::string label;
  };
  std::vector<Entry> entries_;
};

// OK if `caller` may perform an action needing `required` (kEditor for
// writes, kService for the internal methods the other service calls, which
// kAdmin may call too); UNAUTHENTICATED for public callers,
// PERMISSION_DENIED for a key of another role (a service key for a write).
// `action` names the RPC in the message.
absl::Status RequireRole(const Caller& caller, Role required,
                         absl::string_view action);

}  // namespace atlas::auth

#endif  // ATLAS_COMMON_AUTH_API_KEYS_H_
