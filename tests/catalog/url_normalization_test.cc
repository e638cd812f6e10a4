// Tests of common/api/url (curl URL API + libpsl) and common/api/countries
// (Debian iso-codes), as the catalog uses them.
#include <string>

#include "common/api/types/countries.h"
#include "common/api/types/url.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace atlas::api {
namespace {

using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::testing::HasSubstr;

struct UrlCase {
  const char* input;
  const char* canonical;
};

TEST(NormalizeUrlTest, DefangedAndOddUrlsHaveOneCanonicalForm) {
  const UrlCase cases[] = {
      {"hxxps://vooruit[.]be/", "https://vooruit.be"},
      {"hxxps://vooruit[.]be", "https://vooruit.be"},
      {"vooruit[.]be", "https://vooruit.be"},
      {"vooruit.be", "https://vooruit.be"},
      {"VOORUIT.BE/", "https://vooruit.be"},
      {"www.vooruit.be", "https://vooruit.be"},
      {"https://WWW.Vooruit.Brussels/", "https://vooruit.brussels"},
      {"hXXp://vooruit(.)be", "http://vooruit.be"},
      {"https://vooruit.be:443/", "https://vooruit.be"},
      {"http://vooruit.be:80", "http://vooruit.be"},
      {"https://vooruit.be:8443/x", "https://vooruit.be:8443/x"},
      {"https://vooruit.be/nieuws#top", "https://vooruit.be/nieuws"},
      {"hxxps://www.vooruit[.]brussels/nieuws",
       "https://vooruit.brussels/nieuws"},
      {"vooruit[.]be/nieuws?a=1", "https://vooruit.be/nieuws?a=1"},
      {"  https://vooruit.be  ", "https://vooruit.be"},
      {"https://vooruit[dot]be/", "https://vooruit.be"},
      {"hxxps[://]vooruit[.]be", "https://vooruit.be"},
      {"https://vooruit.be/Path/Keeps/Case/",
       "https://vooruit.be/Path/Keeps/Case/"},
      {"https://user:pw@vooruit.be/", "https://vooruit.be"},
      {"https://www.bbc.co.uk/news", "https://bbc.co.uk/news"},
  };
  for (const UrlCase& c : cases) {
    auto url = NormalizeUrl(c.input, "url");
    ASSERT_THAT(url, IsOk()) << c.input;
    EXPECT_EQ(*url, c.canonical) << c.input;
    // Normalising twice changes nothing.
    EXPECT_EQ(*NormalizeUrl(*url, "url"), *url) << c.input;
  }
}

TEST(NormalizeUrlTest, RejectsOtherSchemesAndGarbageNamingTheField) {
  for (const char* bad : {"ftp://vooruit.be", "javascript:alert(1)//x.be",
                          "mailto://x@vooruit.be", "", "https://",
                          "https://vooruit be", "https://vooruit.be/\x01x"}) {
    EXPECT_THAT(NormalizeUrl(bad, "organization.primary_url"),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("organization.primary_url")))
        << bad;
  }
}

TEST(RegistrableDomainTest, UsesThePublicSuffixList) {
  const UrlCase cases[] = {
      {"www.vooruit.brussels", "vooruit.brussels"},
      {"vooruit.brussels", "vooruit.brussels"},
      {"mail.vooruit.be", "vooruit.be"},
      {"vooruit[.]be", "vooruit.be"},
      {"hxxps://www.vooruit[.]brussels/nieuws", "vooruit.brussels"},
      {"bbc.co.uk", "bbc.co.uk"},
      {"news.bbc.co.uk", "bbc.co.uk"},
      {"VOORUIT.BE", "vooruit.be"},
      {"parlement.brussels", "parlement.brussels"},
      {"a.b.example.com.au", "example.com.au"},
  };
  for (const UrlCase& c : cases) {
    auto domain = RegistrableDomain(c.input, "domains[0]");
    ASSERT_THAT(domain, IsOk()) << c.input;
    EXPECT_EQ(*domain, c.canonical) << c.input;
  }
  for (const char* bad : {"co.uk", "be", "localhost", "10.0.0.1", "[::1]"}) {
    EXPECT_THAT(
        RegistrableDomain(bad, "domains[0]"),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("domains[0]")))
        << bad;
  }
}

TEST(DefangTest, DefangsSchemeAndHostOnly) {
  EXPECT_EQ(Defang("https://vooruit.be"), "hxxps://vooruit[.]be");
  EXPECT_EQ(Defang("https://vooruit.be/a.html"), "hxxps://vooruit[.]be/a.html");
  EXPECT_EQ(Defang("vooruit.be"), "vooruit[.]be");
  EXPECT_EQ(*NormalizeUrl(Defang("https://vooruit.be/x"), "u"),
            "https://vooruit.be/x");
}

TEST(CountryListTest, LoadsDebianIsoCodes) {
  auto list = CountryList::LoadFile(kDebianIso3166Path);
  ASSERT_THAT(list, IsOk());
  EXPECT_GT(list->size(), 240u);
  EXPECT_TRUE(list->Contains("BE"));
  EXPECT_EQ(list->Name("BE"), "Belgium");
  EXPECT_FALSE(list->Contains("XX"));
  EXPECT_THAT(list->Validate("XX", "organization.country"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("organization.country")));
  EXPECT_THAT(list->Validate("be", "organization.country"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("organization.country")));
  EXPECT_THAT(list->Validate("", "organization.country"), IsOk());
}

TEST(CountryListTest, MissingOrBrokenFileIsAClearError) {
  EXPECT_THAT(CountryList::LoadFile("/nonexistent/iso_3166-1.json"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("iso-codes")));
  EXPECT_THAT(CountryList::Parse("{not json"),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(CountryList::Parse("{\"3166-1\": []}"),
              StatusIs(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace atlas::api
