#include "catalog-service/list_filter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/api/aip/filter_lexer.h"
#include "common/api/aip/resource_name.h"

namespace atlas::catalog {
namespace {

using Token = api::FilterToken;
using Kind = api::FilterToken::Kind;

absl::Status Unexpected(const Token& t, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(
      "filter: unexpected \"",
      t.kind == Kind::kEnd ? absl::string_view("end of filter")
                           : absl::string_view(t.raw).substr(0, 60),
      "\" at offset ", t.offset, "; expected ", expected));
}

absl::Status BadValue(absl::string_view field, const Token& t,
                      absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(
      "filter: ", field, ": \"", absl::string_view(t.text).substr(0, 60),
      "\" at offset ", t.offset, " ", rule));
}

}  // namespace

bool ListFilter::Matches(const v1::Organization& org) const {
  if (country && org.country() != *country) return false;
  if (sector && std::find(org.sectors().begin(), org.sectors().end(),
                          *sector) == org.sectors().end()) {
    return false;
  }
  if (organization_type && org.organization_type() != *organization_type) {
    return false;
  }
  if (non_profit && org.non_profit() != *non_profit) return false;
  if (parent_id && org.parent() != absl::StrCat("organizations/", *parent_id)) {
    return false;
  }
  return true;
}

std::string ListFilter::Canonical() const {
  std::string out;
  absl::string_view sep("\0", 1);
  if (country) absl::StrAppend(&out, "country=", *country, sep);
  if (sector) absl::StrAppend(&out, "sector=", *sector, sep);
  if (organization_type) {
    absl::StrAppend(&out, "type=", static_cast<int>(*organization_type), sep);
  }
  if (non_profit) absl::StrAppend(&out, "nonprofit=", *non_profit, sep);
  if (parent_id) absl::StrAppend(&out, "parent=", *parent_id, sep);
  return out;
}

absl::StatusOr<ListFilter> ParseListFilter(absl::string_view text) {
  ListFilter filter;
  api::FilterLexer lexer(text);
  auto first = lexer.Next();
  if (!first.ok()) return first.status();
  if (first->kind == Kind::kEnd) return filter;
  Token field = *first;
  while (true) {
    if (field.kind != Kind::kWord) {
      return Unexpected(field,
                        "a field (country, sector, organization_type, "
                        "non_profit, parent)");
    }
    auto op = lexer.Next();
    if (!op.ok()) return op.status();
    if (op->kind != Kind::kComparator || op->text != "=") {
      return Unexpected(*op, "\"=\" (the only operator supported)");
    }
    auto value = lexer.Next();
    if (!value.ok()) return value.status();
    if (value->kind != Kind::kWord && value->kind != Kind::kString) {
      return Unexpected(*value, "a value");
    }
    const std::string& f = field.text;
    auto once = [&](bool already) -> absl::Status {
      if (!already) return absl::OkStatus();
      return absl::InvalidArgumentError(
          absl::StrCat("filter: field \"", f, "\" at offset ", field.offset,
                       " appears more than once"));
    };
    if (f == "country") {
      absl::Status s = once(filter.country.has_value());
      if (!s.ok()) return s;
      filter.country = value->text;
    } else if (f == "sector") {
      absl::Status s = once(filter.sector.has_value());
      if (!s.ok()) return s;
      filter.sector = value->text;
    } else if (f == "organization_type") {
      absl::Status s = once(filter.organization_type.has_value());
      if (!s.ok()) return s;
      v1::OrganizationType type;
      if (!v1::OrganizationType_Parse(value->text, &type)) {
        return BadValue(f, *value, "is not an OrganizationType name");
      }
      filter.organization_type = type;
    } else if (f == "non_profit") {
      absl::Status s = once(filter.non_profit.has_value());
      if (!s.ok()) return s;
      if (value->text != "true" && value->text != "false") {
        return BadValue(f, *value, "is not true or false");
      }
      filter.non_profit = value->text == "true";
    } else if (f == "parent") {
      absl::Status s = once(filter.parent_id.has_value());
      if (!s.ok()) return s;
      auto id = api::ParseName(value->text, "organizations", "filter: parent");
      if (!id.ok()) return id.status();
      filter.parent_id = *id;
    } else {
      return Unexpected(field,
                        "a field (country, sector, organization_type, "
                        "non_profit, parent)");
    }
    filter.fields_as_written.push_back(f);
    auto next = lexer.Next();
    if (!next.ok()) return next.status();
    if (next->kind == Kind::kEnd) break;
    if (next->kind != Kind::kWord || next->text != "AND") {
      return Unexpected(*next, "\"AND\" or the end of the filter");
    }
    auto following = lexer.Next();
    if (!following.ok()) return following.status();
    field = *following;
  }
  return filter;
}

}  // namespace atlas::catalog
