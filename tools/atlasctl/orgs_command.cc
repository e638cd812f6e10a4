#include "tools/atlasctl/orgs_command.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "common/grpc/status_conversion.h"
#include "common/status/status_macros.h"
#include "tools/atlasctl/org_flags.h"
#include "tools/atlasctl/table.h"

namespace atlas::atlasctl {
namespace {

namespace catalog = ::atlas::catalog::v1;

Table OrgTable() {
  return Table({"NAME", "DISPLAY NAME", "COUNTRY", "DOMAINS"});
}

void AddOrgRow(Table& table, const catalog::Organization& org) {
  table.AddRow({org.name(), org.display_name(), org.country(),
                absl::StrJoin(org.domains(), ", ")});
}

// Prints one organisation in the chosen format.
void PrintOrg(Env& env, const catalog::Organization& org) {
  if (env.json()) {
    env.PrintJson(org);
    return;
  }
  Table table = OrgTable();
  AddOrgRow(table, org);
  table.Print(env.out());
}

std::unique_ptr<catalog::CatalogService::Stub> Stub(Env& env) {
  return catalog::CatalogService::NewStub(env.CatalogChannel());
}

absl::Status RunGet(const Invocation& invocation, Env& env) {
  catalog::GetOrganizationRequest request;
  request.set_name(QualifiedName("organizations", invocation.args[0]));
  catalog::Organization org;
  auto context = env.NewContext();
  RETURN_IF_ERROR(grpc_util::FromGrpcStatus(
      Stub(env)->GetOrganization(context.get(), request, &org)));
  PrintOrg(env, org);
  return absl::OkStatus();
}

absl::Status RunList(const Invocation& invocation, Env& env) {
  ASSIGN_OR_RETURN(int limit, invocation.IntFlag("limit", 0));
  ASSIGN_OR_RETURN(int page_size, invocation.IntFlag("page-size", 0));
  if (limit < 0) return UsageError("--limit must not be negative");
  catalog::ListOrganizationsRequest request;
  request.set_filter(invocation.Flag("filter").value_or(""));
  request.set_order_by(invocation.Flag("order-by").value_or(""));
  request.set_page_size(page_size);
  auto stub = Stub(env);
  Table table = OrgTable();
  int shown = 0;
  do {
    catalog::ListOrganizationsResponse response;
    auto context = env.NewContext();
    RETURN_IF_ERROR(grpc_util::FromGrpcStatus(
        stub->ListOrganizations(context.get(), request, &response)));
    for (const catalog::Organization& org : response.organizations()) {
      if (limit > 0 && shown == limit) break;
      ++shown;
      if (env.json()) {
        env.PrintJson(org);
      } else {
        AddOrgRow(table, org);
      }
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty() && (limit == 0 || shown < limit));
  table.Print(env.out());
  return absl::OkStatus();
}

absl::Status RunSearch(const Invocation& invocation, Env& env) {
  ASSIGN_OR_RETURN(int limit, invocation.IntFlag("limit", 0));
  if (limit < 0) return UsageError("--limit must not be negative");
  catalog::SearchOrganizationsRequest request;
  request.set_query(invocation.args[0]);
  auto stub = Stub(env);
  Table table({"NAME", "DISPLAY NAME", "COUNTRY", "MATCH", "MATCHED"});
  int shown = 0;
  do {
    catalog::SearchOrganizationsResponse response;
    auto context = env.NewContext();
    RETURN_IF_ERROR(grpc_util::FromGrpcStatus(
        stub->SearchOrganizations(context.get(), request, &response)));
    for (const catalog::SearchResult& result : response.results()) {
      if (limit > 0 && shown == limit) break;
      ++shown;
      if (env.json()) {
        env.PrintJson(result);
      } else {
        table.AddRow(
            {result.organization().name(), result.organization().display_name(),
             result.organization().country(),
             catalog::SearchResult::MatchKind_Name(result.match_kind()),
             result.matched_text()});
      }
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty() && (limit == 0 || shown < limit));
  table.Print(env.out());
  return absl::OkStatus();
}

absl::Status RunResolve(const Invocation& invocation, Env& env) {
  catalog::ResolveOrganizationRequest request;
  auto ref = invocation.Flag("external-ref");
  if (ref.has_value() == !invocation.args.empty()) {
    return UsageError("give QUERY or --external-ref=SYSTEM:ID, not both");
  }
  if (ref.has_value()) {
    ASSIGN_OR_RETURN(auto refs, ParseExternalRefs(*ref, /*allow_url=*/false));
    if (refs.size() != 1) {
      return UsageError("--external-ref: resolve takes one SYSTEM:ID");
    }
    *request.mutable_external_reference() = std::move(refs[0]);
  } else {
    request.set_query(invocation.args[0]);
  }
  catalog::ResolveOrganizationResponse response;
  auto context = env.NewContext();
  RETURN_IF_ERROR(grpc_util::FromGrpcStatus(
      Stub(env)->ResolveOrganization(context.get(), request, &response)));
  if (env.json()) {
    env.PrintJson(response);
    return absl::OkStatus();
  }
  Table table = OrgTable();
  if (response.has_organization()) AddOrgRow(table, response.organization());
  for (const catalog::Organization& org : response.candidates()) {
    AddOrgRow(table, org);
  }
  table.Print(env.out());
  if (response.candidates_size() > 0) {
    env.err() << response.candidates_size()
              << " organisations match; none was chosen\n";
  }
  return absl::OkStatus();
}

absl::Status RunCreate(const Invocation& invocation, Env& env) {
  catalog::CreateOrganizationRequest request;
  catalog::Organization& org = *request.mutable_organization();
  if (!invocation.args.empty()) {
    RETURN_IF_ERROR(ParseJsonArgument(invocation.args[0], org));
  }
  if (auto v = invocation.Flag("display-name")) org.set_display_name(*v);
  if (auto v = invocation.Flag("country")) org.set_country(*v);
  if (auto v = invocation.Flag("url")) org.set_primary_url(*v);
  if (auto v = invocation.Flag("domains")) {
    org.clear_domains();
    for (absl::string_view d : absl::StrSplit(*v, ',', absl::SkipEmpty())) {
      org.add_domains(std::string(d));
    }
  }
  if (auto v = invocation.Flag("external-ref")) {
    ASSIGN_OR_RETURN(auto refs, ParseExternalRefs(*v, /*allow_url=*/true));
    org.clear_external_references();
    for (auto& ref : refs) *org.add_external_references() = std::move(ref);
  }
  if (auto v = invocation.Flag("industry-code")) org.set_industry_code(*v);
  if (auto v = invocation.Flag("employee-count")) {
    ASSIGN_OR_RETURN(catalog::EmployeeCount band, ParseEmployeeCount(*v));
    org.set_employee_count(band);
  }
  if (auto v = invocation.Flag("government")) {
    ASSIGN_OR_RETURN(auto levels, ParseGovernmentLevels(*v));
    org.clear_government_levels();
    for (catalog::GovernmentLevel level : levels) {
      org.add_government_levels(level);
    }
  }
  if (invocation.args.empty() && org.display_name().empty()) {
    return UsageError("give the organisation as JSON or with --display-name");
  }
  request.set_organization_id(invocation.Flag("id").value_or(""));
  request.set_request_id(invocation.Flag("request-id").value_or(""));
  catalog::Organization created;
  auto context = env.NewContext();
  RETURN_IF_ERROR(grpc_util::FromGrpcStatus(
      Stub(env)->CreateOrganization(context.get(), request, &created)));
  PrintOrg(env, created);
  return absl::OkStatus();
}

}  // namespace

std::vector<Command> OrgsCommands() {
  return {
      {.words = {"orgs", "get"},
       .args_usage = "NAME",
       .help = "show one organisation (NAME: organizations/x or x)",
       .min_args = 1,
       .max_args = 1,
       .flags = {},
       .handler = RunGet},
      {.words = {"orgs", "list"},
       .args_usage = "",
       .help = "list organisations, all pages unless --limit",
       .min_args = 0,
       .max_args = 0,
       .flags = {"filter", "order-by", "page-size", "limit"},
       .handler = RunList},
      {.words = {"orgs", "search"},
       .args_usage = "QUERY",
       .help = "search display names, aliases and domains",
       .min_args = 1,
       .max_args = 1,
       .flags = {"limit"},
       .handler = RunSearch},
      {.words = {"orgs", "resolve"},
       .args_usage = "[QUERY]",
       .help = "find the organisation a URL, domain or name belongs to, or "
               "the holder of --external-ref=SYSTEM:ID",
       .min_args = 0,
       .max_args = 1,
       .flags = {"external-ref"},
       .handler = RunResolve},
      {.words = {"orgs", "create"},
       .args_usage = "[JSON|-]",
       .help = "create an organisation from JSON (an Organization) and/or "
               "flags",
       .min_args = 0,
       .max_args = 1,
       .flags = {"id", "request-id", "display-name", "country", "domains",
                 "url", "external-ref", "industry-code", "employee-count",
                 "government"},
       .handler = RunCreate},
  };
}

}  // namespace atlas::atlasctl
