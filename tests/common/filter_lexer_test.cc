// Tests of common/api/aip/filter_lexer.h: the AIP-160 lexer both filter
// parsers share.
#include "common/api/aip/filter_lexer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace atlas::api {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Kind = FilterToken::Kind;

// "<kind>:<text>:<raw>@<offset>" per token, for compact expectations.
std::vector<std::string> Describe(absl::string_view text) {
  std::vector<std::string> out;
  absl::StatusOr<std::vector<FilterToken>> tokens = LexFilter(text);
  EXPECT_THAT(tokens, IsOk()) << text;
  if (!tokens.ok()) return out;
  for (const FilterToken& t : *tokens) {
    const char* kind = t.kind == Kind::kEnd      ? "end"
                       : t.kind == Kind::kWord   ? "word"
                       : t.kind == Kind::kString ? "string"
                                                 : "op";
    out.push_back(absl::StrCat(kind, ":", t.text, ":", t.raw, "@", t.offset));
  }
  return out;
}

TEST(FilterLexerTest, SplitsWordsStringsAndComparatorsWithOffsets) {
  EXPECT_THAT(Describe("country = \"BE\" AND start >= 2024-03"),
              ::testing::ElementsAre("word:country:country@0", "op:=:=@8",
                                     "string:BE:\"BE\"@10", "word:AND:AND@15",
                                     "word:start:start@19", "op:>=:>=@25",
                                     "word:2024-03:2024-03@28", "end::@35"));
  EXPECT_THAT(
      Describe("parent=organizations/acme_1.x"),
      ::testing::ElementsAre(
          "word:parent:parent@0", "op:=:=@6",
          "word:organizations/acme_1.x:organizations/acme_1.x@7", "end::@29"));
}

TEST(FilterLexerTest, ReadsEveryComparatorLongestMatchFirst) {
  EXPECT_THAT(Describe("= != < <= > >= :"),
              ::testing::ElementsAre("op:=:=@0", "op:!=:!=@2", "op:<:<@5",
                                     "op:<=:<=@7", "op:>:>@10", "op:>=:>=@12",
                                     "op::::@15", "end::@16"));
  // AIP-160 has no `==`: it is two `=`, which a parser then rejects.
  EXPECT_THAT(Describe("a==b"),
              ::testing::ElementsAre("word:a:a@0", "op:=:=@1", "op:=:=@2",
                                     "word:b:b@3", "end::@4"));
  // Operators need no spaces around them.
  EXPECT_THAT(Describe("start<2024"),
              ::testing::ElementsAre("word:start:start@0", "op:<:<@5",
                                     "word:2024:2024@6", "end::@10"));
}

TEST(FilterLexerTest, UnescapesStringsAndKeepsTheRawText) {
  auto tokens = LexFilter(R"(x = "a \"quoted\" \\ back\slash")");
  ASSERT_THAT(tokens, IsOk());
  ASSERT_EQ(tokens->size(), 4u);
  const FilterToken& s = (*tokens)[2];
  EXPECT_EQ(s.kind, Kind::kString);
  EXPECT_EQ(s.text, R"(a "quoted" \ backslash)");
  EXPECT_EQ(s.raw, R"("a \"quoted\" \\ back\slash")");
  EXPECT_EQ(s.offset, 4u);
  // Inside quotes every byte stands for itself: spaces, operators, UTF-8.
  EXPECT_THAT(
      Describe("\"a = (b) Brussel/Bruxelles \xC3\xA9\""),
      ::testing::ElementsAre("string:a = (b) Brussel/Bruxelles \xC3\xA9:"
                             "\"a = (b) Brussel/Bruxelles \xC3\xA9\"@0",
                             "end::@30"));
  EXPECT_THAT(Describe("\"\""),
              ::testing::ElementsAre("string::\"\"@0", "end::@2"));
}

TEST(FilterLexerTest, EmptyOrBlankTextIsJustTheEnd) {
  EXPECT_THAT(Describe(""), ::testing::ElementsAre("end::@0"));
  EXPECT_THAT(Describe(" \t\r\n"), ::testing::ElementsAre("end::@4"));
}

TEST(FilterLexerTest, UnterminatedStringNamesItsOffsetAndText) {
  EXPECT_THAT(LexFilter("country = \"BE"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter: unterminated string starting at offset 10: "
                       "\"BE"));
  // A backslash before the end escapes nothing: still unterminated.
  EXPECT_THAT(LexFilter("x = \"BE\\\""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unterminated string starting at offset 4")));
  EXPECT_THAT(LexFilter("x = \"BE\\"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unterminated string starting at offset 4")));
  // A long string is cut in the message.
  EXPECT_THAT(LexFilter("\"" + std::string(100, 'a')),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter: unterminated string starting at offset 0: \"" +
                           std::string(31, 'a') + "..."));
}

TEST(FilterLexerTest, UnexpectedCharacterNamesItAndItsOffset) {
  EXPECT_THAT(LexFilter("(country = BE)"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter: unexpected character \"(\" at offset 0"));
  EXPECT_THAT(LexFilter("country ! BE"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter: unexpected character \"!\" at offset 8"));
  EXPECT_THAT(LexFilter("a = b ~ c"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter: unexpected character \"~\" at offset 6"));
  // Bytes that are not printable ASCII are escaped in the message.
  EXPECT_THAT(LexFilter("country = Belgi\xC3\xAB"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter: unexpected character \"\\xc3\" at offset 15"));
  EXPECT_THAT(LexFilter(absl::string_view("a\0b", 3)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "filter: unexpected character \"\\x00\" at offset 1"));
}

TEST(FilterLexerTest, NextStreamsTokensThenRepeatsTheEnd) {
  FilterLexer lexer("a = b");
  std::vector<Kind> kinds;
  for (int i = 0; i < 5; ++i) {
    absl::StatusOr<FilterToken> t = lexer.Next();
    ASSERT_THAT(t, IsOk());
    kinds.push_back(t->kind);
  }
  EXPECT_THAT(
      kinds, ::testing::ElementsAre(Kind::kWord, Kind::kComparator, Kind::kWord,
                                    Kind::kEnd, Kind::kEnd));
}

TEST(FilterLexerTest, NextStopsAtTheFirstErrorAndRepeatsIt) {
  // Tokens before the error are served; the error is sticky.
  FilterLexer lexer("a = ( b");
  ASSERT_THAT(lexer.Next(), IsOk());
  ASSERT_THAT(lexer.Next(), IsOk());
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(lexer.Next(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         StartsWith("filter: unexpected character \"(\" at "
                                    "offset 4")));
  }
}

}  // namespace
}  // namespace atlas::api
