// The lexer of AIP-160 filters (https://google.aip.dev/160), shared by the
// ListOrganizations and ListIncidents filter parsers. Each parser accepts its
// own documented subset of the grammar; this file only splits the text into
// tokens, so both read words, quoted strings and operators alike.
//
// Tokens, separated by optional white space (absl::ascii_isspace):
//   word        one or more of [A-Za-z0-9_./-]: a field name, `AND`, or a
//               bare value (RANSOMWARE, 2024-03, organizations/acme, T1486)
//   string      a double-quoted value. A backslash takes the next byte
//               literally: \" is a quote, \\ a backslash (and \n is "n").
//               Every other byte, non-ASCII included, stands for itself.
//   comparator  = != < <= > >= :   The longest match wins, so `<=` is one
//               token while `==` is two `=` tokens.
//   end         after the last token.
// Any other byte outside a string (`(`, `!` alone, `~`, a control or
// non-ASCII byte...) is an error: the lexer does not guess.
//
// Errors are INVALID_ARGUMENT; their message starts with "filter:" and names
// the byte offset and the offending text, e.g.
//   filter: unterminated string starting at offset 10: "BE
//   filter: unexpected character "(" at offset 8
#ifndef ATLAS_COMMON_API_AIP_FILTER_LEXER_H_
#define ATLAS_COMMON_API_AIP_FILTER_LEXER_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace atlas::api {

struct FilterToken {
  enum class Kind { kEnd, kWord, kString, kComparator };

  Kind kind = Kind::kEnd;
  // The value: a word or comparator as written, a string without its quotes
  // and with its escapes resolved; empty for kEnd.
  std::string text;
  // The token exactly as written (a string with its quotes and backslashes),
  // for error messages; empty for kEnd.
  std::string raw;
  // Byte offset of the token's first character in the filter text; the
  // length of the text for kEnd.
  size_t offset = 0;
};

// Splits a filter into tokens, one call at a time.
//
// The lexer does not own the text: `text` must outlive it. Not thread-safe;
// use one lexer per parse.
class FilterLexer {
 public:
  explicit FilterLexer(absl::string_view text) : text_(text) {}

  // The next token. Once the text is consumed, every call returns a kEnd
  // token. On a lexical error returns INVALID_ARGUMENT (see above), and
  // every later call returns the same error.
  absl::StatusOr<FilterToken> Next();

 private:
  absl::string_view text_;
  size_t pos_ = 0;
  absl::Status error_;
};

// Every token of `text`, the last one of kind kEnd; or the first lexical
// error (INVALID_ARGUMENT, as FilterLexer::Next).
absl::StatusOr<std::vector<FilterToken>> LexFilter(absl::string_view text);

}  // namespace atlas::api

#endif  // ATLAS_COMMON_API_AIP_FILTER_LEXER_H_
