// ExternalReference checks and keys (common/api/types/external_reference.h).
#include "common/api/types/external_reference.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace atlas::api {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::atlas::type::v1::ExternalReference;
using ::testing::HasSubstr;

ExternalReference Ref(std::string system, std::string id,
                      std::string url = "") {
  ExternalReference r;
  r.set_system(std::move(system));
  r.set_id(std::move(id));
  r.set_url(std::move(url));
  return r;
}

absl::Status Check(ExternalReference r) {
  return NormalizeExternalReference(&r, "ref");
}

TEST(ExternalReferenceTest, SystemIsLowerCasedAndUrlRefangedAndNormalised) {
  ExternalReference r =
      Ref("VERIS", "002599D4-a872", "hxxps://WWW.github[.]com/vz-risk/VCDB/");
  ASSERT_THAT(NormalizeExternalReference(&r, "ref"), IsOk());
  EXPECT_EQ(r.system(), "veris");
  EXPECT_EQ(r.id(), "002599D4-a872");  // case kept
  EXPECT_EQ(r.url(), "https://github.com/vz-risk/VCDB/");
  EXPECT_EQ(ExternalReferenceKey(r), "veris:002599D4-a872");
}

TEST(ExternalReferenceTest, SystemRules) {
  EXPECT_THAT(Check(Ref("mitre-attack", "G0007")), IsOk());
  EXPECT_THAT(Check(Ref("a.b_c-9", "x")), IsOk());
  EXPECT_THAT(Check(Ref(std::string(64, 'a'), "x")), IsOk());
  EXPECT_THAT(Check(Ref("", "x")), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("ref.system: required")));
  EXPECT_THAT(Check(Ref(std::string(65, 'a'), "x")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("ref.system: at most 64")));
  for (const char* bad :
       {"9veris", "-veris", "ve ris", "ve:ris", "vérís", "veris/1"}) {
    EXPECT_THAT(
        Check(Ref(bad, "x")),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ref.system: ")))
        << bad;
  }
}

TEST(ExternalReferenceTest, IdRules) {
  EXPECT_THAT(Check(Ref("wikidata", "Q193548")), IsOk());
  EXPECT_THAT(Check(Ref("x", "a b:c/d — é")), IsOk());
  EXPECT_THAT(Check(Ref("x", std::string(200, 'i'))), IsOk());
  EXPECT_THAT(Check(Ref("x", "")), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("ref.id: required")));
  EXPECT_THAT(Check(Ref("x", std::string(201, 'i'))),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("ref.id: at most 200 characters, got 201")));
  for (const std::string& bad :
       {std::string(" x"), std::string("x "), std::string("a\tb"),
        std::string("a\nb"), std::string("a\x7f"), std::string("a\xc2\x85"),
        std::string("a\0b", 3), std::string("\xff")}) {
    EXPECT_THAT(
        Check(Ref("x", bad)),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ref.id: ")))
        << bad;
  }
}

TEST(ExternalReferenceTest, UrlRules) {
  EXPECT_THAT(
      Check(Ref("x", "1", "ftp://example.com/x")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ref.url: ")));
  EXPECT_THAT(
      Check(Ref("x", "1", "https://example.com/" + std::string(2030, 'a'))),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("ref.url: at most 2048 characters")));
}

TEST(ExternalReferenceTest, AListHoldsAtMostMaxAndNoPairTwice) {
  google::protobuf::RepeatedPtrField<ExternalReference> refs;
  *refs.Add() = Ref("veris", "A");
  *refs.Add() = Ref("veris", "a");  // ids compare exactly: another pair
  *refs.Add() = Ref("VERIS", "A");  // the first, once lower-cased
  EXPECT_THAT(NormalizeExternalReferences(&refs, "refs", 16),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("refs[2]: veris:A is named twice")));
  refs.RemoveLast();
  EXPECT_THAT(NormalizeExternalReferences(&refs, "refs", 16), IsOk());
  EXPECT_THAT(NormalizeExternalReferences(&refs, "refs", 1),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("refs: at most 1")));
}

TEST(ExternalReferenceTest, KeysParseAtTheFirstColon) {
  auto key = ParseExternalReferenceKey("VERIS:abc:def", "filter");
  ASSERT_THAT(key.status(), IsOk());
  EXPECT_EQ(*key, "veris:abc:def");
  EXPECT_THAT(ParseExternalReferenceKey("veris", "filter").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("filter: \"veris\" is not \"system:id\"")));
  EXPECT_THAT(ParseExternalReferenceKey(":abc", "filter").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("filter system: required")));
  EXPECT_THAT(ParseExternalReferenceKey("veris:", "filter").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("filter id: required")));
}

}  // namespace
}  // namespace atlas::api
