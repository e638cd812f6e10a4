#include "common/api/aip/filter_lexer.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace atlas::api {
namespace {

bool IsSpace(char c) {
  return absl::ascii_isspace(static_cast<unsigned char>(c));
}

bool IsWordChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '-' || c == '.' || c == '/';
}

// At most `max` bytes of `s` for a message, cut on a UTF-8 character
// boundary so that the message stays valid text when the filter is.
std::string Excerpt(absl::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return absl::StrCat(s.substr(0, cut), "...");
}

}  // namespace

absl::StatusOr<FilterToken> FilterLexer::Next() {
  if (!error_.ok()) return error_;
  while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
  const size_t start = pos_;
  FilterToken token;
  token.offset = start;
  if (pos_ >= text_.size()) return token;  // kEnd

  const char c = text_[pos_];
  bool unexpected = false;
  if (c == '"') {
    ++pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      token.text.push_back(text_[pos_++]);
    }
    if (pos_ >= text_.size()) {
      error_ = absl::InvalidArgumentError(
          absl::StrCat("filter: unterminated string starting at offset ", start,
                       ": ", Excerpt(text_.substr(start), 32)));
      return error_;
    }
    ++pos_;  // the closing quote
    token.kind = FilterToken::Kind::kString;
  } else if (IsWordChar(c)) {
    while (pos_ < text_.size() && IsWordChar(text_[pos_])) ++pos_;
    token.kind = FilterToken::Kind::kWord;
  } else if (c == '=' || c == ':') {
    ++pos_;
    token.kind = FilterToken::Kind::kComparator;
  } else if (c == '<' || c == '>' || c == '!') {
    if (pos_ + 1 < text_.size() && text_[pos_ + 1] == '=') {
      pos_ += 2;
    } else if (c == '!') {
      unexpected = true;  // AIP-160 has `!=` but no `!`
    } else {
      ++pos_;
    }
    token.kind = FilterToken::Kind::kComparator;
  } else {
    unexpected = true;
  }
  if (unexpected) {
    // One byte, escaped: it may be a control byte or part of a multi-byte
    // character.
    error_ = absl::InvalidArgumentError(absl::StrCat(
        "filter: unexpected character \"",
        absl::CHexEscape(text_.substr(start, 1)), "\" at offset ", start));
    return error_;
  }
  token.raw = std::string(text_.substr(start, pos_ - start));
  if (token.kind != FilterToken::Kind::kString) token.text = token.raw;
  return token;
}

absl::StatusOr<std::vector<FilterToken>> LexFilter(absl::string_view text) {
  std::vector<FilterToken> tokens;
  FilterLexer lexer(text);
  while (true) {
    absl::StatusOr<FilterToken> token = lexer.Next();
    if (!token.ok()) return token.status();
    const bool end = token->kind == FilterToken::Kind::kEnd;
    tokens.push_back(*std::move(token));
    if (end) return tokens;
  }
}

}  // namespace atlas::api
