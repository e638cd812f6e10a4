#include "tests/security/access_table.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "atlas/admin/v1/backup_service.grpc.pb.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "atlas/type/v1/access_tier.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "tests/testing/test_env.h"

namespace atlas::access_table {

using ::atlas::testing::kAdminKey;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::kServiceKey;
using ::atlas::testing::kUnknownKey;
using google::protobuf::DescriptorPool;
using google::protobuf::Message;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;
namespace cv1 = ::atlas::catalog::v1;
namespace iv1 = ::atlas::incident::v1;

// --- Roles -------------------------------------------------------------------

std::vector<RoleCase> AllRoles() {
  return {{"public", "", false, true},
          {"member", kMemberKey, true, true},
          {"editor", kEditorKey, true, true},
          {"admin", kAdminKey, true, true},
          {"service", kServiceKey, true, true},
          {"unknown-key", kUnknownKey, false, false}};
}

// --- Seed data: every members-only field set ---------------------------------

type::v1::PartialDate Date(int y, int m, int d) {
  type::v1::PartialDate p;
  p.set_year(y);
  p.set_month(m);
  p.set_day(d);
  return p;
}

// --- The table: one row per RPC ----------------------------------------------

namespace {

template <typename T>
std::function<std::unique_ptr<Message>()> Req(std::function<void(T*)> fill) {
  return [fill] {
    auto m = std::make_unique<T>();
    fill(m.get());
    return std::unique_ptr<Message>(std::move(m));
  };
}

}  // namespace

const std::map<std::string, MethodCase>& Table() {
  static const auto* table = new std::map<std::string, MethodCase>{
      // CatalogService: reads.
      {"atlas.catalog.v1.CatalogService.GetOrganization",
       {Kind::kRead, Req<cv1::GetOrganizationRequest>([](auto* r) {
          r->set_name("organizations/vooruit");
        })}},
      {"atlas.catalog.v1.CatalogService.BatchGetOrganizations",
       {Kind::kRead, Req<cv1::BatchGetOrganizationsRequest>([](auto* r) {
          r->add_names("organizations/vooruit");
          r->add_names("organizations/acme");
        })}},
      {"atlas.catalog.v1.CatalogService.ListOrganizations",
       {Kind::kRead, Req<cv1::ListOrganizationsRequest>([](auto*) {})}},
      {"atlas.catalog.v1.CatalogService.SearchOrganizations",
       {Kind::kRead, Req<cv1::SearchOrganizationsRequest>(
                         [](auto* r) { r->set_query("vooruit"); })}},
      {"atlas.catalog.v1.CatalogService.ResolveOrganization",
       {Kind::kRead, Req<cv1::ResolveOrganizationRequest>([](auto* r) {
          r->set_query("hxxps://www.vooruit[.]be/nieuws");
        })}},
      {"atlas.catalog.v1.CatalogService.BatchResolveOrganizations",
       {Kind::kRead, Req<cv1::BatchResolveOrganizationsRequest>([](auto* r) {
          r->add_requests()->set_query("hxxps://www.vooruit[.]be/nieuws");
          r->add_requests()->set_query("acme");
        })}},
      // CatalogService: writes.
      {"atlas.catalog.v1.CatalogService.BatchCreateOrganizations",
       {Kind::kWrite, Req<cv1::BatchCreateOrganizationsRequest>([](auto* r) {
          auto* c = r->add_requests();
          c->set_organization_id("ghost");
          c->mutable_organization()->set_display_name("Ghost");
          c->mutable_organization()->set_parent("organizations/does-not-exist");
        })}},
      {"atlas.catalog.v1.CatalogService.CreateOrganization",
       {Kind::kWrite, Req<cv1::CreateOrganizationRequest>([](auto* r) {
          r->set_organization_id("ghost");
          r->mutable_organization()->set_display_name("Ghost");
          r->mutable_organization()->set_parent("organizations/does-not-exist");
        })}},
      {"atlas.catalog.v1.CatalogService.UpdateOrganization",
       {Kind::kWrite, Req<cv1::UpdateOrganizationRequest>([](auto* r) {
          r->mutable_organization()->set_name("organizations/does-not-exist");
          r->mutable_organization()->set_display_name("Ghost");
          r->mutable_update_mask()->add_paths("display_name");
        })}},
      {"atlas.catalog.v1.CatalogService.DeleteOrganization",
       {Kind::kWrite, Req<cv1::DeleteOrganizationRequest>([](auto* r) {
          r->set_name("organizations/does-not-exist");
        })}},
      // IncidentService: reads.
      {"atlas.incident.v1.IncidentService.GetIncident",
       {Kind::kRead,
        Req<iv1::GetIncidentRequest>([](auto* r) { r->set_name(kIncident); })}},
      {"atlas.incident.v1.IncidentService.ListIncidents",
       {Kind::kRead, Req<iv1::ListIncidentsRequest>(
                         [](auto* r) { r->set_filter("country = \"BE\""); })}},
      {"atlas.incident.v1.IncidentService.SearchIncidents",
       {Kind::kRead, Req<iv1::SearchIncidentsRequest>(
                         [](auto* r) { r->set_query("vooruit ransom"); })}},
      {"atlas.incident.v1.IncidentService.GetTimelineEvent",
       {Kind::kRead, Req<iv1::GetTimelineEventRequest>(
                         [](auto* r) { r->set_name(kEvent); })}},
      {"atlas.incident.v1.IncidentService.ListTimelineEvents",
       {Kind::kRead, Req<iv1::ListTimelineEventsRequest>(
                         [](auto* r) { r->set_parent(kIncident); })}},
      {"atlas.incident.v1.IncidentService.GetSource",
       {Kind::kRead,
        Req<iv1::GetSourceRequest>([](auto* r) { r->set_name(kSource); })}},
      {"atlas.incident.v1.IncidentService.ListSources",
       {Kind::kRead, Req<iv1::ListSourcesRequest>(
                         [](auto* r) { r->set_parent(kIncident); })}},
      {"atlas.incident.v1.IncidentService.WatchIncidentChanges",
       {Kind::kStream, Req<iv1::WatchIncidentChangesRequest>(
                           [](auto* r) { r->set_start_sequence(1); })}},
      // IncidentService: writes.
      {"atlas.incident.v1.IncidentService.CreateIncident",
       {Kind::kWrite, Req<iv1::CreateIncidentRequest>([](auto* r) {
          r->set_incident_id("ghost");
          r->mutable_incident()->set_title("Ghost");
          r->mutable_incident()->add_victims()->set_organization(
              "organizations/does-not-exist");
        })}},
      {"atlas.incident.v1.IncidentService.BatchCreateIncidents",
       {Kind::kWrite, Req<iv1::BatchCreateIncidentsRequest>([](auto* r) {
          iv1::CreateIncidentRequest* c = r->add_requests();
          c->set_incident_id("ghost");
          c->mutable_incident()->set_title("Ghost");
          c->mutable_incident()->add_victims()->set_organization(
              "organizations/does-not-exist");
        })}},
      {"atlas.incident.v1.IncidentService.UpdateIncident",
       {Kind::kWrite, Req<iv1::UpdateIncidentRequest>([](auto* r) {
          r->mutable_incident()->set_name("incidents/does-not-exist");
          r->mutable_incident()->set_title("Ghost");
          r->mutable_update_mask()->add_paths("title");
        })}},
      {"atlas.incident.v1.IncidentService.DeleteIncident",
       {Kind::kWrite, Req<iv1::DeleteIncidentRequest>([](auto* r) {
          r->set_name("incidents/does-not-exist");
        })}},
      {"atlas.incident.v1.IncidentService.CheckOrganizationReferences",
       {Kind::kInternal,
        Req<iv1::CheckOrganizationReferencesRequest>(
            [](auto* r) { r->set_organization("organizations/vooruit"); })}},
      {"atlas.incident.v1.IncidentService.CreateTimelineEvent",
       {Kind::kWrite, Req<iv1::CreateTimelineEventRequest>([](auto* r) {
          r->set_parent("incidents/does-not-exist");
          r->mutable_event()->set_type(iv1::DETECTION);
          *r->mutable_event()->mutable_date() = Date(2024, 3, 28);
          r->mutable_event()->set_description("Ghost");
        })}},
      {"atlas.incident.v1.IncidentService.UpdateTimelineEvent",
       {Kind::kWrite, Req<iv1::UpdateTimelineEventRequest>([](auto* r) {
          r->mutable_event()->set_name("incidents/does-not-exist/events/e");
          r->mutable_event()->set_description("Ghost");
          r->mutable_update_mask()->add_paths("description");
        })}},
      {"atlas.incident.v1.IncidentService.DeleteTimelineEvent",
       {Kind::kWrite, Req<iv1::DeleteTimelineEventRequest>([](auto* r) {
          r->set_name("incidents/does-not-exist/events/e");
        })}},
      {"atlas.incident.v1.IncidentService.CreateSource",
       {Kind::kWrite, Req<iv1::CreateSourceRequest>([](auto* r) {
          r->set_parent("incidents/does-not-exist");
          r->mutable_source()->set_title("Ghost");
        })}},
      {"atlas.incident.v1.IncidentService.UpdateSource",
       {Kind::kWrite, Req<iv1::UpdateSourceRequest>([](auto* r) {
          r->mutable_source()->set_name("incidents/does-not-exist/sources/s");
          r->mutable_source()->set_title("Ghost");
          r->mutable_update_mask()->add_paths("title");
        })}},
      // BackupService (both servers): admins only.
      {"atlas.admin.v1.BackupService.StreamBackup",
       {Kind::kAdminStream, Req<admin::v1::StreamBackupRequest>([](auto*) {})}},
      {"atlas.incident.v1.IncidentService.DeleteSource",
       {Kind::kWrite, Req<iv1::DeleteSourceRequest>([](auto* r) {
          r->set_name("incidents/does-not-exist/sources/s");
        })}},
  };
  return *table;
}

std::vector<const MethodDescriptor*> AllMethods() {
  std::vector<const MethodDescriptor*> methods;
  for (const char* name : kServices) {
    const ServiceDescriptor* service =
        DescriptorPool::generated_pool()->FindServiceByName(name);
    if (service == nullptr) {
      ADD_FAILURE() << name << " is not in the generated descriptor pool";
      continue;
    }
    for (int i = 0; i < service->method_count(); ++i) {
      methods.push_back(service->method(i));
    }
  }
  return methods;
}

std::string PathOf(const MethodDescriptor* m) {
  return absl::StrCat("/", m->service()->full_name(), "/", m->name());
}
}  // namespace atlas::access_table
