#include "tools/atlasctl/incidents_command.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "common/grpc/status_conversion.h"
#include "common/status/status_macros.h"
#include "tools/atlasctl/table.h"

namespace atlas::atlasctl {
namespace {

namespace incident = ::atlas::incident::v1;

Table IncidentTable() {
  return Table({"NAME", "TITLE", "VICTIMS", "START", "DISCLOSED"});
}

void AddIncidentRow(Table& table, const incident::Incident& i) {
  std::vector<std::string> victims;
  for (const incident::Victim& v : i.victims()) {
    victims.push_back(ShortId(v.organization()));
  }
  table.AddRow({i.name(), i.title(), absl::StrJoin(victims, ", "),
                FormatPartialDate(i.start_date()),
                FormatPartialDate(i.disclosed_date())});
}

// The DATE column of a timeline row.
std::string EventDate(const incident::TimelineEvent& e) {
  std::string date;
  if (e.has_relative_date() &&
      e.relative_date().state() != atlas::type::v1::RelativeDate::RESOLVED) {
    return absl::StrCat("unresolved: ", e.relative_date().expression());
  }
  if (e.has_effective_date()) {
    date = FormatPartialDate(e.effective_date());
  } else if (e.has_date()) {
    date = FormatPartialDate(e.date());
  } else if (e.has_relative_date()) {
    date = FormatPartialDate(e.relative_date().resolved());
  }
  if (e.has_end_date())
    absl::StrAppend(&date, "..", FormatPartialDate(e.end_date()));
  return date;
}

std::unique_ptr<incident::IncidentService::Stub> Stub(Env& env) {
  return incident::IncidentService::NewStub(env.IncidentsChannel());
}

void PrintIncident(Env& env, const incident::Incident& i) {
  if (env.json()) {
    env.PrintJson(i);
    return;
  }
  Table table = IncidentTable();
  AddIncidentRow(table, i);
  table.Print(env.out());
}

absl::Status RunGet(const Invocation& invocation, Env& env) {
  incident::GetIncidentRequest request;
  request.set_name(QualifiedName("incidents", invocation.args[0]));
  incident::Incident response;
  auto context = env.NewContext();
  RETURN_IF_ERROR(grpc_util::FromGrpcStatus(
      Stub(env)->GetIncident(context.get(), request, &response)));
  PrintIncident(env, response);
  return absl::OkStatus();
}

absl::Status RunList(const Invocation& invocation, Env& env) {
  ASSIGN_OR_RETURN(int limit, invocation.IntFlag("limit", 0));
  ASSIGN_OR_RETURN(int page_size, invocation.IntFlag("page-size", 0));
  if (limit < 0) return UsageError("--limit must not be negative");
  incident::ListIncidentsRequest request;
  request.set_filter(invocation.Flag("filter").value_or(""));
  request.set_order_by(invocation.Flag("order-by").value_or(""));
  request.set_page_size(page_size);
  auto stub = Stub(env);
  Table table = IncidentTable();
  int shown = 0;
  do {
    incident::ListIncidentsResponse response;
    auto context = env.NewContext();
    RETURN_IF_ERROR(grpc_util::FromGrpcStatus(
        stub->ListIncidents(context.get(), request, &response)));
    for (const incident::Incident& i : response.incidents()) {
      if (limit > 0 && shown == limit) break;
      ++shown;
      if (env.json()) {
        env.PrintJson(i);
      } else {
        AddIncidentRow(table, i);
      }
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty() && (limit == 0 || shown < limit));
  table.Print(env.out());
  return absl::OkStatus();
}

// A snippet as one line, its highlights in [brackets].
std::string MarkedSnippet(const incident::SearchSnippet& snippet) {
  const std::string& text = snippet.text();
  std::string out;
  size_t at = 0;
  for (const auto& h : snippet.highlights()) {
    const size_t start = static_cast<size_t>(h.start());
    const size_t end = static_cast<size_t>(h.end());
    if (start < at || end > text.size() || start > end) continue;
    absl::StrAppend(&out, text.substr(at, start - at), "[",
                    text.substr(start, end - start), "]");
    at = end;
  }
  absl::StrAppend(&out, text.substr(at));
  absl::StrReplaceAll({{"\n", " "}}, &out);
  return absl::StrCat(snippet.field(), ": ", out);
}

absl::Status RunSearch(const Invocation& invocation, Env& env) {
  ASSIGN_OR_RETURN(int limit, invocation.IntFlag("limit", 20));
  if (limit < 0) return UsageError("--limit must not be negative");
  incident::SearchIncidentsRequest request;
  request.set_query(invocation.args[0]);
  request.set_filter(invocation.Flag("filter").value_or(""));
  request.set_order_by(invocation.Flag("order-by").value_or(""));
  request.set_page_size(limit == 0 ? 100 : std::min(limit, 100));
  auto stub = Stub(env);
  Table table({"SCORE", "NAME", "TITLE", "START", "SNIPPET"});
  int shown = 0;
  incident::SearchIncidentsResponse first;
  do {
    incident::SearchIncidentsResponse response;
    auto context = env.NewContext();
    RETURN_IF_ERROR(grpc_util::FromGrpcStatus(
        stub->SearchIncidents(context.get(), request, &response)));
    if (shown == 0) first = response;
    for (const incident::SearchResult& r : response.results()) {
      if (limit > 0 && shown == limit) break;
      ++shown;
      if (env.json()) {
        env.PrintJson(r);
        continue;
      }
      const incident::Incident& i = r.incident();
      table.AddRow({absl::StrFormat("%.2f", r.score()), i.name(), i.title(),
                    FormatPartialDate(i.start_date()),
                    r.snippets().empty() ? "" : MarkedSnippet(r.snippets(0))});
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty() && (limit == 0 || shown < limit));
  if (env.json()) return absl::OkStatus();
  table.Print(env.out());
  env.out() << absl::StrFormat("%d of %s%d matches\n", shown,
                               first.facets_exact() ? "" : "about ",
                               first.total_size());
  for (const incident::SearchFacet& facet : first.facets()) {
    std::vector<std::string> values;
    for (const auto& v : facet.values()) {
      values.push_back(absl::StrCat(v.value(), " ", v.count()));
    }
    env.out() << facet.field() << ": " << absl::StrJoin(values, ", ") << "\n";
  }
  return absl::OkStatus();
}

absl::Status RunCreate(const Invocation& invocation, Env& env) {
  incident::CreateIncidentRequest request;
  RETURN_IF_ERROR(
      ParseJsonArgument(invocation.args[0], *request.mutable_incident()));
  request.set_incident_id(invocation.Flag("id").value_or(""));
  request.set_request_id(invocation.Flag("request-id").value_or(""));
  incident::Incident created;
  auto context = env.NewContext();
  RETURN_IF_ERROR(grpc_util::FromGrpcStatus(
      Stub(env)->CreateIncident(context.get(), request, &created)));
  PrintIncident(env, created);
  return absl::OkStatus();
}

absl::Status RunTimeline(const Invocation& invocation, Env& env) {
  incident::ListTimelineEventsRequest request;
  request.set_parent(QualifiedName("incidents", invocation.args[0]));
  auto stub = Stub(env);
  Table table({"DATE", "TYPE", "DESCRIPTION"}, 40);
  do {
    incident::ListTimelineEventsResponse response;
    auto context = env.NewContext();
    RETURN_IF_ERROR(grpc_util::FromGrpcStatus(
        stub->ListTimelineEvents(context.get(), request, &response)));
    for (const incident::TimelineEvent& e : response.events()) {
      if (env.json()) {
        env.PrintJson(e);
      } else {
        table.AddRow({EventDate(e), incident::EventType_Name(e.type()),
                      e.description()});
      }
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  table.Print(env.out());
  return absl::OkStatus();
}

absl::Status RunWatch(const Invocation& invocation, Env& env) {
  ASSIGN_OR_RETURN(int from, invocation.IntFlag("from", 0));
  if (from < 0) return UsageError("--from must not be negative");
  incident::WatchIncidentChangesRequest request;
  request.set_start_sequence(from);
  auto context = env.NewContext();
  if (!env.options().timeout_set) {
    // A watch runs until interrupted: no deadline unless one was asked for.
    context = std::make_unique<::grpc::ClientContext>();
    if (!env.options().key.empty()) {
      context->AddMetadata("authorization",
                           absl::StrCat("Bearer ", env.options().key));
    }
  }
  auto stub = Stub(env);
  std::unique_ptr<::grpc::ClientReader<incident::IncidentChange>> reader =
      stub->WatchIncidentChanges(context.get(), request);
  incident::IncidentChange change;
  if (!env.json()) {
    env.out() << absl::StrFormat("%-8s %-8s %-32s %s\n", "SEQ", "CHANGE",
                                 "INCIDENT", "TITLE");
  }
  while (reader->Read(&change)) {
    if (env.json()) {
      env.PrintJson(change);
    } else {
      env.out() << absl::StrFormat(
          "%-8d %-8s %-32s %s\n", change.sequence(),
          incident::IncidentChange::ChangeType_Name(change.change_type()),
          change.incident().name(), change.incident().title());
    }
    env.out().flush();
  }
  absl::Status status = grpc_util::FromGrpcStatus(reader->Finish());
  if (status.code() == absl::StatusCode::kDeadlineExceeded &&
      env.options().timeout_set) {
    return absl::OkStatus();  // The asked-for end of the watch.
  }
  return status;
}

}  // namespace

std::vector<Command> IncidentsCommands() {
  return {
      {.words = {"incidents", "get"},
       .args_usage = "NAME",
       .help = "show one incident (NAME: incidents/x or x)",
       .min_args = 1,
       .max_args = 1,
       .flags = {},
       .handler = RunGet},
      {.words = {"incidents", "list"},
       .args_usage = "",
       .help = "list incidents, newest first unless --order-by (e.g. "
               "\"start_date desc\"), all pages unless --limit",
       .min_args = 0,
       .max_args = 0,
       .flags = {"filter", "order-by", "page-size", "limit"},
       .handler = RunList},
      {.words = {"incidents", "search"},
       .args_usage = "QUERY",
       .help = "full-text search (words, \"phrases\", prefix*, OR, -word, "
               "title:, victim:, country:), best first unless --order-by "
               "(\"start_date desc\"); --filter as for list; the first "
               "--limit results (default 20, 0: all), then the facet counts",
       .min_args = 1,
       .max_args = 1,
       .flags = {"filter", "order-by", "limit"},
       .handler = RunSearch},
      {.words = {"incidents", "create"},
       .args_usage = "JSON|-",
       .help = "create an incident from JSON (an Incident)",
       .min_args = 1,
       .max_args = 1,
       .flags = {"id", "request-id"},
       .handler = RunCreate},
      {.words = {"incidents", "timeline"},
       .args_usage = "NAME",
       .help = "an incident's timeline, in time order",
       .min_args = 1,
       .max_args = 1,
       .flags = {},
       .handler = RunTimeline},
      {.words = {"incidents", "watch"},
       .args_usage = "",
       .help = "follow the change stream (from sequence --from)",
       .min_args = 0,
       .max_args = 0,
       .flags = {"from"},
       .handler = RunWatch},
  };
}

}  // namespace atlas::atlasctl
