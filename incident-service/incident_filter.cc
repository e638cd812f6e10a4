#include "incident-service/incident_filter.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/api/partial_date.h"
#include "common/api/resource_name.h"
#include "common/api/validation.h"
#include "google/protobuf/descriptor.h"

namespace atlas::incident {
namespace {

struct Token {
  enum Kind { kWord, kString, kOp } kind;
  std::string text;
};

absl::Status Bad(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("filter: ", why));
}

absl::StatusOr<std::vector<Token>> Lex(absl::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      ++i;
    } else if (c == '"') {
      size_t end = s.find('"', i + 1);
      if (end == absl::string_view::npos) return Bad("unterminated string");
      out.push_back({Token::kString, std::string(s.substr(i + 1, end - i - 1))});
      i = end + 1;
    } else if (c == '=' || c == '<' || c == '>' || c == '!' || c == ':') {
      std::string op(1, c);
      if (i + 1 < s.size() && s[i + 1] == '=') op += '=';
      i += op.size();
      out.push_back({Token::kOp, op});
    } else if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
               c == '-' || c == '/' || c == '.') {
      size_t start = i;
      while (i < s.size()) {
        unsigned char d = static_cast<unsigned char>(s[i]);
        if (!(absl::ascii_isalnum(d) || d == '_' || d == '-' || d == '/' ||
              d == '.')) {
          break;
        }
        ++i;
      }
      out.push_back({Token::kWord, std::string(s.substr(start, i - start))});
    } else {
      return Bad(absl::StrCat("unexpected character '", s.substr(i, 1), "'"));
    }
  }
  return out;
}

absl::StatusOr<std::string> EnumNumber(const google::protobuf::EnumDescriptor* e,
                                       absl::string_view field,
                                       const std::string& value) {
  const google::protobuf::EnumValueDescriptor* v = e->FindValueByName(value);
  if (v == nullptr) {
    return Bad(absl::StrCat(field, ": \"", absl::string_view(value).substr(0, 64),
                            "\" is not a value of ", e->name()));
  }
  return absl::StrCat(v->number());
}

bool IsTechniqueId(absl::string_view id) {
  auto digits = [](absl::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      return c >= '0' && c <= '9';
    });
  };
  if (id.size() == 5) return id[0] == 'T' && digits(id.substr(1));
  return id.size() == 9 && id[0] == 'T' && digits(id.substr(1, 4)) &&
         id[5] == '.' && digits(id.substr(6));
}

}  // namespace

absl::StatusOr<IncidentFilter> ParseIncidentFilter(absl::string_view text) {
  IncidentFilter filter;
  auto tokens = Lex(text);
  if (!tokens.ok()) return tokens.status();
  const std::vector<Token>& t = *tokens;
  size_t i = 0;
  while (i < t.size()) {
    if (t[i].kind != Token::kWord) return Bad("expected a field name");
    if (i + 2 >= t.size() || t[i + 1].kind != Token::kOp ||
        t[i + 2].kind == Token::kOp) {
      return Bad(absl::StrCat("expected `",
                              absl::string_view(t[i].text).substr(0, 32),
                              " <op> <value>`"));
    }
    const std::string& field = t[i].text;
    const std::string& op = t[i + 1].text;
    const std::string& value = t[i + 2].text;
    i += 3;
    if (field == "start") {
      auto date = api::ParsePartialDate(value, "filter: start");
      if (!date.ok()) return date.status();
      api::DayInterval in = api::Interval(*date);
      auto raise_min = [&](absl::CivilDay d) {
        if (!filter.start_min || *filter.start_min < d) filter.start_min = d;
      };
      auto lower_max = [&](absl::CivilDay d) {
        if (!filter.start_max || d < *filter.start_max) filter.start_max = d;
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
        return Bad(absl::StrCat("start: operator ", op,
                                " is not supported (=, <, <=, >, >=)"));
      }
    } else {
      if (op != "=") {
        return Bad(absl::StrCat(field.substr(0, 32), ": only = is supported"));
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
        auto n = EnumNumber(d->FindEnumTypeByName("IncidentType"), field, value);
        if (!n.ok()) return n.status();
        eq.index = IncidentIndex::kType;
        eq.value = *n;
      } else if (field == "determination") {
        auto n = EnumNumber(d->FindEnumTypeByName("Determination"), field, value);
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
        if (!IsTechniqueId(value)) {
          return Bad(absl::StrCat("technique: \"",
                                  absl::string_view(value).substr(0, 32),
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
      } else {
        return Bad(absl::StrCat(
            "unknown field \"", absl::string_view(field).substr(0, 32),
            "\" (victim, country, incident_type, determination, motive, "
            "technique, threat_actor_type, start)"));
      }
      filter.equalities.push_back(std::move(eq));
    }
    if (i < t.size()) {
      if (t[i].kind != Token::kWord || t[i].text != "AND") {
        return Bad(absl::StrCat("expected AND, got \"",
                                absl::string_view(t[i].text).substr(0, 32),
                                "\" (only AND is supported)"));
      }
      ++i;
      if (i == t.size()) return Bad("expected a term after AND");
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
          hit = hit || LastSegment(v.organization()) == eq.value;
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
        for (int v : incident.motives()) hit = hit || absl::StrCat(v) == eq.value;
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
      case IncidentIndex::kAll:
      case IncidentIndex::kStartYear:
        hit = true;
        break;
    }
    if (!hit) return false;
  }
  if (has_date_range()) {
    if (api::IsEmpty(incident.start_date())) return false;
    api::DayInterval in = api::Interval(incident.start_date());
    if (start_min && in.last < *start_min) return false;
    if (start_max && *start_max < in.first) return false;
  }
  return true;
}

}  // namespace atlas::incident
