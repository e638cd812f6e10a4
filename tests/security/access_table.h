// The access-control table of access_control_test.cc: one row per RPC of
// both services and the admin BackupService (what kind of call it is, and a
// request for it), the roles a caller can have, and the seeded records
// those requests name. A method without a row fails
// AccessControlTableTest, so a new RPC must be classified here.
#ifndef ATLAS_TESTS_SECURITY_ACCESS_TABLE_H_
#define ATLAS_TESTS_SECURITY_ACCESS_TABLE_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "atlas/type/v1/partial_date.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace atlas::access_table {

// The services whose every method needs a row.
inline constexpr const char* kServices[] = {"atlas.catalog.v1.CatalogService",
                                            "atlas.incident.v1.IncidentService",
                                            "atlas.admin.v1.BackupService"};

struct RoleCase {
  const char* name;
  std::string key;  // empty: no authorization header
  bool member;      // reads members-only fields
  bool authenticates;
};
// public, member, editor, admin, service and an unknown key.
std::vector<RoleCase> AllRoles();

// The seeded records the read rows name (the test seeds them).
inline constexpr char kIncident[] = "incidents/vooruit-2024";
inline constexpr char kSource[] =
    "incidents/vooruit-2024/sources/brussels-times";
inline constexpr char kEvent[] = "incidents/vooruit-2024/events/detection";
type::v1::PartialDate Date(int y, int m, int d);

// kInternal: a method only the other service (and an admin) may call.
// kAdminStream: a server stream only an admin may open (backups; served by
// both servers).
enum class Kind { kRead, kStream, kWrite, kInternal, kAdminStream };

struct MethodCase {
  Kind kind;
  // The request: for reads, one that returns the seeded records; for
  // writes, one that would be valid but targets something that does not
  // exist (or names a victim/parent that does not exist).
  std::function<std::unique_ptr<google::protobuf::Message>()> request;
};

// Keyed by the method's full name
// ("atlas.catalog.v1.CatalogService.GetOrganization").
const std::map<std::string, MethodCase>& Table();

// Every method of kServices, as the generated descriptor pool lists them.
std::vector<const google::protobuf::MethodDescriptor*> AllMethods();
// "/package.Service/Method".
std::string PathOf(const google::protobuf::MethodDescriptor* m);

}  // namespace atlas::access_table

#endif  // ATLAS_TESTS_SECURITY_ACCESS_TABLE_H_
