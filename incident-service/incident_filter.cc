#include "incident-service/incident_filter.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/api/aip/filter_lexer.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
#include "common/api/types/external_reference.h"
#include "common/api/types/partial_date.h"
#include "google/protobuf/descriptor.h"
#include "incident-service/attack_catalog.h"

namespace atlas::incident {
namespace {

using Token = api::FilterToken;
using Kind = api::FilterToken::Kind;

absl::Status Bad(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("filter: ", why));
}

// A token for a message: as written (cut to 32 bytes) with its offset.
std::string Describe(const Token& t) {
  if (t.kind == Kind::kEnd) return "the end of the filter";
  return absl::StrCat("\"", absl::string_view(t.raw).substr(0, 32),
                      "\" at offset ", t.offset);
}

absl::StatusOr<std::string> EnumNumber(
    const google::protobuf::EnumDescriptor* e, absl::string_view field,
    const std::string& value) {
  const google::protobuf::EnumValueDescriptor* v = e->FindValueByName(value);
  if (v == nullptr) {
    return Bad(absl::StrCat(field, ": \"",
                            absl::string_view(value).substr(0, 64),
                            "\" is not a value of ", e->name()));
  }
  return absl::StrCat(v->number());
}

// The id of an organisation name ("organizations/acme" -> "acme"), as the
// victim index keys it.
absl::string_view OrganizationId(absl::string_view name) {
  size_t slash = name.rfind('/');
  return slash == absl::string_view::npos ? name : name.substr(slash + 1);
}

// The date range a date field's terms narrow, or null for another field.
IncidentFilter::DateRange* DateRangeOf(IncidentFilter& filter,
                                       absl::string_view field) {
  if (field == "start" || field == "start_date") return &filter.start;
  if (field == "end" || field == "end_date") return &filter.end;
  if (field == "disclosed" || field == "disclosed_date") {
    return &filter.disclosed;
  }
  return nullptr;
}

}  // namespace

bool IncidentFilter::DateRange::Matches(
    const atlas::type::v1::PartialDate& date) const {
  if (!active()) return true;
  if (api::IsEmpty(date)) return false;
  api::DayInterval in = api::Interval(date);
  if (min && in.last < *min) return false;
  if (max && *max < in.first) return false;
  return true;
}

absl::StatusOr<IncidentFilter> ParseIncidentFilter(absl::string_view text) {
  IncidentFilter filter;
  // Lexed whole first, so a lexical error anywhere wins over a grammar one.
  auto tokens = api::LexFilter(text);
  if (!tokens.ok()) return tokens.status();
  const std::vector<Token>& t = *tokens;  // the last one is kEnd
  size_t i = 0;
  while (t[i].kind != Kind::kEnd) {
    if (t[i].kind != Kind::kWord) {
      return Bad(absl::StrCat("expected a field name, got ", Describe(t[i])));
    }
    // t[i + 1] exists (t[i] is not the end), and t[i + 2] when t[i + 1] is
    // a comparator (it is not the end either).
    if (t[i + 1].kind != Kind::kComparator ||
        (t[i + 2].kind != Kind::kWord && t[i + 2].kind != Kind::kString)) {
      const Token& bad =
          t[i + 1].kind != Kind::kComparator ? t[i + 1] : t[i + 2];
      return Bad(absl::StrCat("expected `",
                              absl::string_view(t[i].text).substr(0, 32),
                              " <op> <value>`, got ", Describe(bad)));
    }
    const Token& field_token = t[i];
    const Token& op_token = t[i + 1];
    const std::string& field = field_token.text;
    const std::string& op = op_token.text;
    const std::string& value = t[i + 2].text;
    i += 3;
    if (IncidentFilter::DateRange* range = DateRangeOf(filter, field)) {
      auto date = api::ParsePartialDate(value, absl::StrCat("filter: ", field));
      if (!date.ok()) return date.status();
      api::DayInterval in = api::Interval(*date);
      auto raise_min = [&](absl::CivilDay d) {
        if (!range->min || *range->min < d) range->min = d;
      };
      auto lower_max = [&](absl::CivilDay d) {
        if (!range->max || d < *range->max) range->max = d;
      };
      if (op == ">=") {
        raise_min(in.first);
      } else if (op == ">") {
        raise_min(in.last + 1);
      } else if (op == "<=") {
        lower_max(in.last);
      } else if (op == "<") {
        lower_max(in.first - 1);
      } else if (op == "=") {
        raise_min(in.first);
        lower_max(in.last);
      } else {
        return Bad(absl::StrCat(field, ": operator ", op, " at offset ",
                                op_token.offset,
                                " is not supported (=, <, <=, >, >=)"));
      }
    } else {
      if (op != "=") {
        return Bad(absl::StrCat(field.substr(0, 32),
                                ": only = is supported, got ",
                                Describe(op_token)));
      }
      IncidentFilter::Equality eq{field, IncidentIndex::kAll, ""};
      const auto* d = v1::Incident::descriptor()->file();
      if (field == "victim") {
        auto id = api::ParseName(value, "organizations", "filter: victim");
        if (!id.ok()) return id.status();
        eq.index = IncidentIndex::kVictim;
        eq.value = *id;
      } else if (field == "country") {
        absl::Status s = api::ValidateCountryShape(value, "filter: country");
        if (!s.ok()) return s;
        eq.index = IncidentIndex::kCountry;
        eq.value = value;
      } else if (field == "incident_type") {
        auto n =
            EnumNumber(d->FindEnumTypeByName("IncidentType"), field, value);
        if (!n.ok()) return n.status();
        eq.index = IncidentIndex::kType;
        eq.value = *n;
      } else if (field == "determination") {
        auto n =
            EnumNumber(d->FindEnumTypeByName("Determination"), field, value);
        if (!n.ok()) return n.status();
        eq.index = IncidentIndex::kDetermination;
        eq.value = *n;
      } else if (field == "motive") {
        auto n = EnumNumber(d->FindEnumTypeByName("Motive"), field, value);
        if (!n.ok()) return n.status();
        eq.index = IncidentIndex::kMotive;
        eq.value = *n;
        filter.members_only_fields.push_back(field);
      } else if (field == "technique") {
        if (!AttackCatalog::IsTechniqueId(value)) {
          return Bad(absl::StrCat(
              "technique: \"", absl::string_view(value).substr(0, 32),
              "\" is not an ATT&CK id (T1234 or T1234.001)"));
        }
        eq.index = IncidentIndex::kTechnique;
        eq.value = value;
        filter.members_only_fields.push_back(field);
      } else if (field == "threat_actor_type") {
        auto n =
            EnumNumber(d->FindEnumTypeByName("ThreatActorType"), field, value);
        if (!n.ok()) return n.status();
        eq.index = IncidentIndex::kActorType;
        eq.value = *n;
        filter.members_only_fields.push_back(field);
      } else if (field == "external_reference") {
        auto ref = api::ParseExternalReferenceText(
            value, "filter: external_reference");
        if (!ref.ok()) return ref.status();
        eq.index = IncidentIndex::kExternalReference;
        eq.value = api::ExternalReferenceText(*ref);
      } else {
        return Bad(absl::StrCat(
            "unknown field ", Describe(field_token),
            " (victim, country, incident_type, determination, motive, "
            "technique, threat_actor_type, external_reference, start, end, "
            "disclosed)"));
      }
      filter.equalities.push_back(std::move(eq));
    }
    if (t[i].kind != Kind::kEnd) {
      if (t[i].kind != Kind::kWord || t[i].text != "AND") {
        return Bad(absl::StrCat("expected AND, got ", Describe(t[i]),
                                " (only AND is supported)"));
      }
      ++i;
      if (t[i].kind == Kind::kEnd) {
        return Bad(absl::StrCat("expected a term after AND at offset ",
                                t[i - 1].offset));
      }
    }
  }
  return filter;
}

bool IncidentFilter::Matches(const v1::Incident& incident) const {
  for (const Equality& eq : equalities) {
    bool hit = false;
    switch (eq.index) {
      case IncidentIndex::kVictim:
        for (const v1::Victim& v : incident.victims()) {
          hit = hit || OrganizationId(v.organization()) == eq.value;
        }
        break;
      case IncidentIndex::kCountry:
        for (const std::string& c : incident.countries()) {
          hit = hit || c == eq.value;
        }
        break;
      case IncidentIndex::kType:
        for (int v : incident.incident_types()) {
          hit = hit || absl::StrCat(v) == eq.value;
        }
        break;
      case IncidentIndex::kDetermination:
        hit = absl::StrCat(incident.determination()) == eq.value;
        break;
      case IncidentIndex::kMotive:
        for (int v : incident.motives())
          hit = hit || absl::StrCat(v) == eq.value;
        break;
      case IncidentIndex::kTechnique:
        for (const v1::Technique& tq : incident.techniques()) {
          hit = hit || tq.id() == eq.value;
        }
        break;
      case IncidentIndex::kActorType:
        for (const v1::ThreatActor& a : incident.threat_actors()) {
          hit = hit || absl::StrCat(static_cast<int>(a.type())) == eq.value;
        }
        break;
      case IncidentIndex::kExternalReference:
        for (const atlas::type::v1::ExternalReference& r :
             incident.external_references()) {
          hit = hit || api::ExternalReferenceText(r) == eq.value;
        }
        break;
      case IncidentIndex::kAll:
      case IncidentIndex::kStartYear:
        hit = true;
        break;
    }
    if (!hit) return false;
  }
  return start.Matches(incident.start_date()) &&
         end.Matches(incident.end_date()) &&
         disclosed.Matches(incident.disclosed_date());
}

absl::Status CheckFilterAccess(const IncidentFilter& filter,
                               bool caller_is_member) {
  if (caller_is_member || filter.members_only_fields.empty()) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "filter: ", filter.members_only_fields.front(),
      " is members-only data; filtering on it needs a MEMBER key"));
}

}  // namespace atlas::incident
