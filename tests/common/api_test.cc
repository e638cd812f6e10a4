// Tests of the API helpers in common/api: resource names and ids, page
// tokens, digests, field validation (partial dates and clocks:
// partial_date_test.cc).
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "atlas/type/v1/partial_date.pb.h"
#include "atlas/type/v1/relative_date.pb.h"
#include "common/api/aip/digest.h"
#include "common/api/aip/page_token.h"
#include "common/api/aip/resource_name.h"
#include "common/api/aip/validation.h"
#include "common/api/time/clock.h"
#include "common/api/types/partial_date.h"
#include "gmock/gmock.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/unknown_field_set.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace atlas::api {
namespace {

using ::atlas::testing::EqualsProto;
using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::atlas::type::v1::PartialDate;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

// ---------------------------------------------------------------- ids, names

TEST(ValidateIdTest, AcceptsLowerCaseLettersDigitsAndInnerHyphens) {
  EXPECT_THAT(ValidateId("a", "id"), IsOk());
  EXPECT_THAT(ValidateId("0", "id"), IsOk());
  EXPECT_THAT(ValidateId("vooruit-brussels-2", "id"), IsOk());
  EXPECT_THAT(ValidateId(std::string(63, 'a'), "id"), IsOk());
}

TEST(ValidateIdTest, RejectsEmptyNamingTheField) {
  EXPECT_THAT(ValidateId("", "organization_id"),
              StatusIs(kInvalid, StartsWith("organization_id: ")));
}

TEST(ValidateIdTest, RejectsMoreThan63Characters) {
  EXPECT_THAT(ValidateId(std::string(64, 'a'), "organization_id"),
              StatusIs(kInvalid, HasSubstr("organization_id")));
}

TEST(ValidateIdTest, RejectsCharactersOutsideTheAlphabet) {
  for (absl::string_view id :
       {"Abc", "a_b", "a.b", "a b", "a/b", "caf\xc3\xa9"}) {
    SCOPED_TRACE(id);
    EXPECT_THAT(ValidateId(id, "id"), StatusIs(kInvalid, StartsWith("id: ")));
  }
}

TEST(ValidateIdTest, RejectsLeadingOrTrailingHyphen) {
  EXPECT_THAT(ValidateId("-a", "id"), StatusIs(kInvalid));
  EXPECT_THAT(ValidateId("a-", "id"), StatusIs(kInvalid));
  EXPECT_THAT(ValidateId("-", "id"), StatusIs(kInvalid));
}

TEST(GenerateIdTest, Is16CharactersOfLowerCaseBase32AndAValidId) {
  for (int i = 0; i < 100; ++i) {
    std::string id = GenerateId();
    EXPECT_THAT(id, MatchesRegex("[0-9a-v]{16}"));
    EXPECT_THAT(ValidateId(id, "id"), IsOk());
  }
}

TEST(GenerateIdTest, IdsAreUniqueAndSortInCreationOrder) {
  std::vector<std::string> ids;
  for (int i = 0; i < 20000; ++i) ids.push_back(GenerateId());
  for (size_t i = 1; i < ids.size(); ++i) {
    ASSERT_LT(ids[i - 1], ids[i]) << "at " << i;
  }
}

TEST(GenerateIdTest, IdsFromManyThreadsAreUnique) {
  absl::Mutex mu;
  std::set<std::string> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < 5000; ++i) mine.push_back(GenerateId());
      absl::MutexLock lock(&mu);
      ids.insert(mine.begin(), mine.end());
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ids.size(), 20000u);
}

TEST(GenerateIdTest, TimePartFollowsTheClock) {
  // The first 11 characters encode microseconds since the epoch, so an id
  // made now sorts after one made from an earlier time prefix.
  std::string id = GenerateId();
  int64_t micros = 0;
  for (int i = 0; i < 11; ++i) {
    char c = id[i];
    micros = micros * 32 + (c <= '9' ? c - '0' : c - 'a' + 10);
  }
  absl::Time t = absl::FromUnixMicros(micros);
  EXPECT_LT(absl::AbsDuration(absl::Now() - t), absl::Minutes(1));
}

TEST(ParseNameTest, ReturnsTheId) {
  auto id = ParseName("organizations/vooruit", "organizations", "name");
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(*id, "vooruit");
}

TEST(ParseNameTest, RejectsEmptyNamingTheField) {
  EXPECT_THAT(ParseName("", "organizations", "name"),
              StatusIs(kInvalid, StartsWith("name: required")));
}

TEST(ParseNameTest, RejectsOtherShapes) {
  for (absl::string_view name :
       {"incidents/x", "organizations", "organizations/", "/x",
        "organizations/a/b", "organizations/Vooruit", "Organizations/a",
        "organizations//a"}) {
    SCOPED_TRACE(name);
    EXPECT_THAT(ParseName(name, "organizations", "parent"),
                StatusIs(kInvalid, StartsWith("parent: ")));
  }
}

TEST(ParseChildNameTest, ReturnsBothIds) {
  auto child =
      ParseChildName("incidents/i1/sources/s1", "incidents", "sources", "name");
  ASSERT_THAT(child, IsOk());
  EXPECT_EQ(child->parent_id, "i1");
  EXPECT_EQ(child->id, "s1");
}

TEST(ParseChildNameTest, RejectsOtherShapes) {
  for (absl::string_view name :
       {"", "incidents/i1", "incidents/i1/events/e1", "sources/i1/sources/s1",
        "incidents/i1/sources/s1/x", "incidents/I1/sources/s1",
        "incidents/i1/sources/", "incidents//sources/s1"}) {
    SCOPED_TRACE(name);
    EXPECT_THAT(ParseChildName(name, "incidents", "sources", "name"),
                StatusIs(kInvalid, StartsWith("name: ")));
  }
}

// ---------------------------------------------------------------- page tokens

class PageTokenTest : public ::testing::Test {
 protected:
  const std::string query_ =
      QueryFingerprint({"parent=organizations", "filter=country=\"BE\"", ""});
};

TEST_F(PageTokenTest, RoundTripsTheCursor) {
  for (absl::string_view cursor :
       {absl::string_view(""), absl::string_view("org/vooruit"),
        absl::string_view("\x00\xff\x01 binary", 10)}) {
    std::string token = EncodePageToken(query_, cursor);
    auto decoded = DecodePageToken(token, query_);
    ASSERT_THAT(decoded, IsOk());
    EXPECT_EQ(*decoded, cursor);
  }
}

TEST_F(PageTokenTest, TokenIsWebSafe) {
  std::string token =
      EncodePageToken(query_, std::string("\xff\xfe\xfd\xfc\xfb\xfa", 6));
  EXPECT_THAT(token, MatchesRegex("[A-Za-z0-9_-]+"));
}

TEST_F(PageTokenTest, TokenOfAnotherQueryIsInvalidArgumentNamingPageToken) {
  std::string other = QueryFingerprint({"parent=organizations", "", ""});
  std::string token = EncodePageToken(other, "org/a");
  EXPECT_THAT(DecodePageToken(token, query_),
              StatusIs(kInvalid, HasSubstr("page_token")));
}

TEST_F(PageTokenTest, EveryFlippedBitIsRejected) {
  std::string token = EncodePageToken(query_, "org/vooruit");
  std::string raw;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
  for (size_t byte = 0; byte < raw.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = raw;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      EXPECT_THAT(DecodePageToken(absl::WebSafeBase64Escape(flipped), query_),
                  StatusIs(kInvalid, HasSubstr("page_token")))
          << "byte " << byte << " bit " << bit;
    }
  }
}

TEST_F(PageTokenTest, EditedTokenTextIsRejected) {
  std::string token = EncodePageToken(query_, "org/vooruit");
  std::string edited = token;
  edited[token.size() / 2] = edited[token.size() / 2] == 'A' ? 'B' : 'A';
  EXPECT_THAT(DecodePageToken(edited, query_), StatusIs(kInvalid));
  EXPECT_THAT(DecodePageToken(token.substr(0, token.size() - 4), query_),
              StatusIs(kInvalid));
  EXPECT_THAT(DecodePageToken(token + "AAAA", query_), StatusIs(kInvalid));
}

TEST_F(PageTokenTest, GarbageIsRejected) {
  for (absl::string_view garbage :
       {"", "x", "!!!!", "not a token", "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "page_token=abc"}) {
    SCOPED_TRACE(garbage);
    EXPECT_THAT(DecodePageToken(garbage, query_),
                StatusIs(kInvalid, HasSubstr("page_token")));
  }
}

TEST(QueryFingerprintTest, PartsAreLengthPrefixed) {
  EXPECT_NE(QueryFingerprint({"ab", "c"}), QueryFingerprint({"a", "bc"}));
  EXPECT_NE(QueryFingerprint({"a", ""}), QueryFingerprint({"a"}));
  EXPECT_EQ(QueryFingerprint({"a", "b"}), QueryFingerprint({"a", "b"}));
}

TEST(EffectivePageSizeTest, ZeroMeansFifty) {
  auto size = EffectivePageSize(0);
  ASSERT_THAT(size, IsOk());
  EXPECT_EQ(*size, 50);
}

TEST(EffectivePageSizeTest, CapsAtOneThousand) {
  auto one = EffectivePageSize(1);
  auto max = EffectivePageSize(1000);
  auto over = EffectivePageSize(1001);
  ASSERT_THAT(one, IsOk());
  ASSERT_THAT(max, IsOk());
  ASSERT_THAT(over, IsOk());
  EXPECT_EQ(*one, 1);
  EXPECT_EQ(*max, 1000);
  EXPECT_EQ(*over, 1000);
}

TEST(EffectivePageSizeTest, NegativeIsInvalidArgumentNamingPageSize) {
  EXPECT_THAT(EffectivePageSize(-1),
              StatusIs(kInvalid, StartsWith("page_size")));
}

// ---------------------------------------------------------------- digests

TEST(DigestTest, Sha256MatchesKnownVector) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(DigestTest, HexEncodeIsLowerCase) {
  EXPECT_EQ(HexEncode(std::string("\x00\x0f\xab\xff", 4)), "000fabff");
  EXPECT_EQ(HexEncode(""), "");
}

TEST(RejectUnknownFieldsTest, NamesTheDeepestMessageHoldingOne) {
  type::v1::RelativeDate known;
  known.set_expression("since Monday");
  known.mutable_resolved()->set_year(2024);
  EXPECT_THAT(RejectUnknownFields(known), IsOk());
  type::v1::RelativeDate nested = known;
  nested.mutable_resolved()
      ->GetReflection()
      ->MutableUnknownFields(nested.mutable_resolved())
      ->AddVarint(42, 1);
  EXPECT_THAT(RejectUnknownFields(nested),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("resolved: unknown field 42")));
  type::v1::RelativeDate top = known;
  top.GetReflection()->MutableUnknownFields(&top)->AddFixed32(7, 1);
  EXPECT_THAT(RejectUnknownFields(top),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("request: unknown field 7")));
}

TEST(DigestTest, EtagIsThirtyTwoHexCharacters) {
  EXPECT_THAT(NewEtag(), MatchesRegex("[0-9a-f]{32}"));
}

// Etags are random version tokens, never a digest of the record: public
// callers see etags of records whose members-only fields they cannot see.
TEST(DigestTest, EtagIsNewForEveryWriteAndCarriesNoContent) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    EXPECT_TRUE(seen.insert(NewEtag()).second) << "an etag repeated";
  }
}

TEST(DigestTest, RequestFingerprintIs32BytesAndTracksContent) {
  PartialDate a;
  a.set_year(2024);
  PartialDate b = a;
  b.set_day(1);
  EXPECT_EQ(RequestFingerprint(a).size(), 32u);
  EXPECT_EQ(RequestFingerprint(a), RequestFingerprint(PartialDate(a)));
  EXPECT_NE(RequestFingerprint(a), RequestFingerprint(b));
}

TEST(DigestTest, DeterministicBytesParseBack) {
  PartialDate a;
  a.set_year(2024);
  a.set_month(3);
  PartialDate parsed;
  ASSERT_TRUE(parsed.ParseFromString(DeterministicBytes(a)));
  EXPECT_THAT(parsed, EqualsProto(a));
}

// ---------------------------------------------------------------- validation

TEST(Utf8Test, AcceptsWellFormedSequences) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("caf\xc3\xa9"));           // U+00E9
  EXPECT_TRUE(IsValidUtf8("\xe2\x82\xac"));          // U+20AC
  EXPECT_TRUE(IsValidUtf8("\xf0\x9f\x98\x80"));      // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf"));          // U+D7FF
  EXPECT_TRUE(IsValidUtf8("\xee\x80\x80"));          // U+E000
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));      // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));  // NUL is UTF-8
}

TEST(Utf8Test, RejectsMalformedSequences) {
  for (absl::string_view bad : {
           "\x80",                  // lone continuation byte
           "a\xbf",                 // continuation after ASCII
           "\xc3",                  // truncated 2-byte
           "\xe2\x82",              // truncated 3-byte
           "\xf0\x9f\x98",          // truncated 4-byte
           "\xc3\x28",              // bad continuation
           "\xe2\x28\xa1",          // bad continuation
           "\xf8\x88\x80\x80\x80",  // 5-byte form
           "\xfe", "\xff",          // never valid
       }) {
    SCOPED_TRACE(absl::CHexEscape(bad));
    EXPECT_FALSE(IsValidUtf8(bad));
  }
}

TEST(Utf8Test, RejectsOverlongEncodings) {
  for (absl::string_view bad : {
           "\xc0\xaf",          // '/' in 2 bytes
           "\xc1\xbf",          // U+007F in 2 bytes
           "\xc0\x80",          // NUL in 2 bytes
           "\xe0\x80\xaf",      // '/' in 3 bytes
           "\xe0\x9f\xbf",      // U+07FF in 3 bytes
           "\xf0\x80\x80\xaf",  // '/' in 4 bytes
           "\xf0\x8f\xbf\xbf",  // U+FFFF in 4 bytes
       }) {
    SCOPED_TRACE(absl::CHexEscape(bad));
    EXPECT_FALSE(IsValidUtf8(bad));
  }
}

TEST(Utf8Test, RejectsSurrogatesAndCodePointsAboveMax) {
  for (absl::string_view bad : {
           "\xed\xa0\x80",              // U+D800
           "\xed\xbf\xbf",              // U+DFFF
           "\xed\xa0\xbd\xed\xb8\x80",  // CESU-8 pair for U+1F600
           "\xf4\x90\x80\x80",          // U+110000
           "\xf7\xbf\xbf\xbf",          // U+1FFFFF
       }) {
    SCOPED_TRACE(absl::CHexEscape(bad));
    EXPECT_FALSE(IsValidUtf8(bad));
  }
}

TEST(Utf8Test, LengthCountsCodePoints) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("caf\xc3\xa9"), 4u);
  EXPECT_EQ(Utf8Length("\xe2\x82\xac\xf0\x9f\x98\x80"), 2u);
}

TEST(ValidateTextTest, LimitsCountCodePointsNotBytes) {
  const std::string three_e_acute = "\xc3\xa9\xc3\xa9\xc3\xa9";  // 6 bytes
  EXPECT_THAT(ValidateText(three_e_acute, "title", 1, 3), IsOk());
  EXPECT_THAT(ValidateText(three_e_acute + "\xc3\xa9", "title", 1, 3),
              StatusIs(kInvalid, StartsWith("title: at most 3")));
  const std::string two_emoji = "\xf0\x9f\x98\x80\xf0\x9f\x98\x80";  // 8 bytes
  EXPECT_THAT(ValidateText(two_emoji, "title", 1, 2), IsOk());
  EXPECT_THAT(ValidateText(two_emoji, "title", 3, 10),
              StatusIs(kInvalid, StartsWith("title: at least 3")));
}

TEST(ValidateTextTest, EmptyRequiredTextIsRequired) {
  EXPECT_THAT(ValidateText("", "display_name", 1, 200),
              StatusIs(kInvalid, "display_name: required"));
  EXPECT_THAT(ValidateText("", "summary", 0, 2000), IsOk());
}

TEST(ValidateTextTest, InvalidUtf8IsRejectedNamingTheField) {
  EXPECT_THAT(ValidateText("ab\xc0\xaf", "profile", 0, 100),
              StatusIs(kInvalid, StartsWith("profile: not valid UTF-8")));
  EXPECT_THAT(ValidateText("\xed\xa0\x80", "profile", 0, 100),
              StatusIs(kInvalid, StartsWith("profile: ")));
}

TEST(ValidateTextTest, ControlCharactersOtherThanTabAndNewlineAreRejected) {
  EXPECT_THAT(ValidateText("line\n\tindented", "description", 0, 100), IsOk());
  for (absl::string_view bad :
       {absl::string_view("a\rb"), absl::string_view("a\x00z", 3),
        absl::string_view("a\x1b[0m"), absl::string_view("a\x7f")}) {
    SCOPED_TRACE(absl::CHexEscape(bad));
    EXPECT_THAT(ValidateText(bad, "description", 0, 100),
                StatusIs(kInvalid, StartsWith("description: control")));
  }
}

TEST(ValidateRequestIdTest, AcceptsEmptyAndUpTo64AllowedCharacters) {
  EXPECT_THAT(ValidateRequestId(""), IsOk());
  EXPECT_THAT(ValidateRequestId("3f2a.b_C-9"), IsOk());
  EXPECT_THAT(ValidateRequestId(std::string(64, 'r')), IsOk());
}

TEST(ValidateRequestIdTest, RejectsLongOrOddRequestIds) {
  EXPECT_THAT(ValidateRequestId(std::string(65, 'r')),
              StatusIs(kInvalid, StartsWith("request_id: ")));
  for (absl::string_view bad : {"a b", "a/b", "a:b", "caf\xc3\xa9"}) {
    EXPECT_THAT(ValidateRequestId(bad),
                StatusIs(kInvalid, StartsWith("request_id: ")));
  }
}

TEST(ValidateCountTest, AllowsUpToMax) {
  EXPECT_THAT(ValidateCount(0, "aliases", 32), IsOk());
  EXPECT_THAT(ValidateCount(32, "aliases", 32), IsOk());
  EXPECT_THAT(ValidateCount(33, "aliases", 32),
              StatusIs(kInvalid, "aliases: at most 32 items, got 33"));
}

TEST(ValidateCountryShapeTest, AcceptsTwoUpperCaseLetters) {
  EXPECT_THAT(ValidateCountryShape("BE", "country"), IsOk());
  EXPECT_THAT(ValidateCountryShape("ZZ", "country"), IsOk());
}

TEST(ValidateCountryShapeTest, RejectsOtherShapes) {
  for (absl::string_view bad :
       {"", "B", "be", "Be", "BEL", "B1", "\xc3\x89S"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ValidateCountryShape(bad, "countries[2]"),
                StatusIs(kInvalid, StartsWith("countries[2]: ")));
  }
}

class ValidateUpdateMaskTest : public ::testing::Test {
 protected:
  absl::Status Validate(std::vector<std::string> mask_paths) {
    google::protobuf::FieldMask mask;
    for (const std::string& p : mask_paths) mask.add_paths(p);
    return ValidateUpdateMask(mask, {"display_name", "aliases", "country"},
                              {"name", "create_time", "etag"}, &paths_);
  }
  std::vector<std::string> paths_;
};

TEST_F(ValidateUpdateMaskTest, ReturnsNamedWritablePathsOnce) {
  ASSERT_THAT(Validate({"country", "display_name", "country"}), IsOk());
  EXPECT_THAT(paths_, ElementsAre("country", "display_name"));
}

TEST_F(ValidateUpdateMaskTest, StarAloneMeansEveryWritablePath) {
  ASSERT_THAT(Validate({"*"}), IsOk());
  EXPECT_THAT(paths_, ElementsAre("display_name", "aliases", "country"));
}

TEST_F(ValidateUpdateMaskTest, EmptyMaskIsRejected) {
  EXPECT_THAT(Validate({}), StatusIs(kInvalid, StartsWith("update_mask: ")));
}

TEST_F(ValidateUpdateMaskTest, UnknownPathIsRejected) {
  EXPECT_THAT(Validate({"display_name", "colour"}),
              StatusIs(kInvalid, HasSubstr("unknown field \"colour\"")));
  EXPECT_THAT(Validate({"Display_Name"}), StatusIs(kInvalid));
}

TEST_F(ValidateUpdateMaskTest, OutputOnlyPathIsRejected) {
  EXPECT_THAT(Validate({"etag"}),
              StatusIs(kInvalid, HasSubstr("\"etag\" is output only")));
  EXPECT_THAT(Validate({"display_name", "create_time"}),
              StatusIs(kInvalid, HasSubstr("output only")));
}

TEST_F(ValidateUpdateMaskTest, StarWithOtherPathsIsRejected) {
  EXPECT_THAT(Validate({"*", "display_name"}),
              StatusIs(kInvalid, StartsWith("update_mask: ")));
}

TEST(TimestampTest, RoundTripsMicroseconds) {
  absl::Time t = absl::FromUnixMicros(1711619400123456);
  google::protobuf::Timestamp ts = ToProtoTimestamp(t);
  EXPECT_EQ(ts.seconds(), 1711619400);
  EXPECT_EQ(ts.nanos(), 123456000);
  EXPECT_EQ(FromProtoTimestamp(ts), t);
}

TEST(TimestampTest, TimesBeforeTheEpochHaveNonNegativeNanos) {
  absl::Time t = absl::FromUnixMicros(-1500000);  // -1.5 s
  google::protobuf::Timestamp ts = ToProtoTimestamp(t);
  EXPECT_EQ(ts.seconds(), -2);
  EXPECT_EQ(ts.nanos(), 500000000);
  EXPECT_EQ(FromProtoTimestamp(ts), t);
}

}  // namespace
}  // namespace atlas::api
