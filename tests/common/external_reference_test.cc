// Tests of the shared ExternalReference check
// (common/api/types/external_reference.h): each rule of the contract with
// the exact code and field path, and the stored form.
#include "common/api/types/external_reference.h"

#include <string>

#include "atlas/type/v1/external_reference.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace atlas::api {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::atlas::type::v1::ExternalReference;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using Code = absl::StatusCode;

ExternalReference Ref(const std::string& system, const std::string& id,
                      const std::string& url = "") {
  ExternalReference ref;
  ref.set_system(system);
  ref.set_id(id);
  ref.set_url(url);
  return ref;
}

TEST(ExternalReferenceTest, StoredFormLowerCasesSystemKeepsIdAndRefangsUrl) {
  ExternalReference ref = Ref("VERIS", "002599D4-A872-433B-9980-BD9F257B283F",
                              "hxxps://WWW.Example[.]org/veris/#x");
  ASSERT_THAT(NormalizeExternalReference(&ref, "r"), IsOk());
  EXPECT_EQ(ref.system(), "veris");
  EXPECT_EQ(ref.id(), "002599D4-A872-433B-9980-BD9F257B283F");
  EXPECT_EQ(ref.url(), "https://example.org/veris/");
}

TEST(ExternalReferenceTest, AcceptsTheContractExamplesAndLimits) {
  // 200 two-byte characters: the limit counts characters, not bytes.
  std::string accented;
  for (int i = 0; i < 200; ++i) accented += "\xc3\xa9";
  for (const ExternalReference& good :
       {Ref("mitre-attack", "G0007"), Ref("wikidata", "Q193548"), Ref("a", "x"),
        Ref("a.b_c-9", "id with inner spaces"),
        Ref(std::string(64, 's'), std::string(200, 'i')), Ref("x", accented)}) {
    ExternalReference ref = good;
    EXPECT_THAT(NormalizeExternalReference(&ref, "r"), IsOk())
        << ref.ShortDebugString();
  }
}

TEST(ExternalReferenceTest, EachRuleIsInvalidArgumentNamingThePart) {
  struct Case {
    ExternalReference ref;
    const char* path;
  };
  const Case cases[] = {
      {Ref("", "x"), "r.system: required"},
      {Ref(std::string(65, 's'), "x"), "r.system: at most 64"},
      {Ref("1veris", "x"), "r.system: \"1veris\" must start with a letter"},
      {Ref("-veris", "x"), "r.system:"},
      {Ref("ve ris", "x"), "r.system:"},
      {Ref("ve:ris", "x"), "r.system:"},
      {Ref("v\xc3\xa9ris", "x"), "r.system:"},
      {Ref("veris", ""), "r.id: required"},
      {Ref("veris", std::string(201, 'i')), "r.id: at most 200"},
      {Ref("veris", " x"), "r.id: must not start or end with a space"},
      {Ref("veris", "x "), "r.id: must not start or end with a space"},
      {Ref("veris", "x\xc2\xa0"), "r.id: must not start or end"},
      {Ref("veris", "a\tb"), "r.id: control characters"},
      {Ref("veris", "a\nb"), "r.id: control characters"},
      {Ref("veris", "a\x7f"), "r.id: control characters"},
      {Ref("veris", "a\xc2\x85"), "r.id: control characters"},
      {Ref("veris", "\xff"), "r.id: not valid UTF-8"},
      {Ref("veris", "x", "ftp://example.org"), "r.url:"},
      {Ref("veris", "x", "not a url at all"), "r.url:"},
      {Ref("veris", "x", "https://example.org/" + std::string(2040, 'p')),
       "r.url: at most 2048"},
  };
  for (const Case& c : cases) {
    ExternalReference ref = c.ref;
    EXPECT_THAT(NormalizeExternalReference(&ref, "r"),
                StatusIs(Code::kInvalidArgument, StartsWith(c.path)))
        << c.path;
  }
}

TEST(ExternalReferenceTest, ListAllowsSixteenAndNoDuplicatePair) {
  google::protobuf::RepeatedPtrField<ExternalReference> refs;
  EXPECT_THAT(NormalizeExternalReferences(&refs, "o.refs"), IsOk());
  for (int i = 0; i < 16; ++i) *refs.Add() = Ref("s", std::to_string(i));
  EXPECT_THAT(NormalizeExternalReferences(&refs, "o.refs"), IsOk());
  *refs.Add() = Ref("s", "16");
  EXPECT_THAT(NormalizeExternalReferences(&refs, "o.refs"),
              StatusIs(Code::kInvalidArgument, StartsWith("o.refs: at most")));

  refs.Clear();
  *refs.Add() = Ref("veris", "ABC");
  *refs.Add() = Ref("veris", "abc");  // ids compare with case
  *refs.Add() = Ref("VERIS", "ABC", "https://example.org");
  EXPECT_THAT(NormalizeExternalReferences(&refs, "o.refs"),
              StatusIs(Code::kInvalidArgument,
                       AllOf(StartsWith("o.refs[2]: duplicate"),
                             HasSubstr("veris:ABC"), HasSubstr("o.refs[0]"))));
  refs.RemoveLast();
  ASSERT_THAT(NormalizeExternalReferences(&refs, "o.refs"), IsOk());

  *refs.Add() = Ref("veris", " x");
  EXPECT_THAT(NormalizeExternalReferences(&refs, "o.refs"),
              StatusIs(Code::kInvalidArgument, StartsWith("o.refs[2].id:")));
}

TEST(ExternalReferenceTest, ParsesSystemColonId) {
  auto ref = ParseExternalReferenceText("VERIS:002599D4-A872:x",
                                        "filter: external_reference");
  ASSERT_THAT(ref, IsOk());
  EXPECT_EQ(ref->system(), "veris");
  EXPECT_EQ(ref->id(), "002599D4-A872:x");
  EXPECT_EQ(ExternalReferenceText(*ref), "veris:002599D4-A872:x");

  EXPECT_THAT(ParseExternalReferenceText("veris", "f"),
              StatusIs(Code::kInvalidArgument,
                       StartsWith("f: \"veris\" is not of the form")));
  EXPECT_THAT(ParseExternalReferenceText(":x", "f"),
              StatusIs(Code::kInvalidArgument, StartsWith("f: system:")));
  EXPECT_THAT(ParseExternalReferenceText("veris:", "f"),
              StatusIs(Code::kInvalidArgument, StartsWith("f: id:")));
}

}  // namespace
}  // namespace atlas::api
