// VictimResolver against a fake catalog: the order of lookups (external
// reference, name, create), namesakes told apart by country, a taken id,
// and one lookup per victim however many records name it.
#include "tools/atlasctl/veris/victim_resolver.h"

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace atlas::atlasctl::veris {
namespace {

namespace cat = ::atlas::catalog::v1;
using ::atlas::testing::IsOk;
using ::atlas::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// A catalog of organisations in memory. Answers at once, or (held) only
// when Release() is called, to have lookups in flight together.
class FakeOrganizationCatalog : public OrganizationCatalog {
 public:
  void Add(const std::string& id, const std::string& name,
           const std::string& country, const std::string& reference = "") {
    cat::Organization org;
    org.set_name("organizations/" + id);
    org.set_display_name(name);
    org.set_country(country);
    if (!reference.empty()) {
      auto* ref = org.add_external_references();
      ref->set_system("veris-victim");
      ref->set_id(reference);
    }
    orgs_[id] = org;
  }

  void Resolve(cat::ResolveOrganizationRequest request,
               Done<cat::ResolveOrganizationResponse> done) override {
    Run([this, request, done] {
      {
        absl::MutexLock lock(&mu_);
        calls_.push_back(request.has_external_reference()
                             ? "ref:" + request.external_reference().id()
                             : "name:" + request.query());
      }
      cat::ResolveOrganizationResponse response;
      for (const auto& [id, org] : orgs_) {
        bool match = request.has_external_reference()
                         ? !org.external_references().empty() &&
                               org.external_references(0).id() ==
                                   request.external_reference().id()
                         : org.display_name() == request.query();
        if (match) *response.add_candidates() = org;
      }
      if (response.candidates().empty()) {
        done(absl::NotFoundError("no organisation"));
        return;
      }
      if (response.candidates_size() == 1) {
        *response.mutable_organization() = response.candidates(0);
        response.clear_candidates();
      }
      done(response);
    });
  }

  void Create(cat::CreateOrganizationRequest request,
              Done<cat::Organization> done) override {
    Run([this, request, done] {
      {
        absl::MutexLock lock(&mu_);
        calls_.push_back("create:" + request.organization_id());
        created_.push_back(request);
      }
      if (fail_creates_) {
        done(absl::InvalidArgumentError("organization.industry_code: bad"));
        return;
      }
      if (orgs_.count(request.organization_id()) != 0) {
        done(absl::AlreadyExistsError(
            "organizations/" + request.organization_id() + " already exists"));
        return;
      }
      cat::Organization org = request.organization();
      org.set_name("organizations/" + request.organization_id());
      orgs_[request.organization_id()] = org;
      done(org);
    });
  }

  std::vector<std::string> calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<cat::CreateOrganizationRequest> created() {
    absl::MutexLock lock(&mu_);
    return created_;
  }

  // Held answers wait for Release().
  bool hold = false;
  bool fail_creates_ = false;
  void Release() {
    while (!held_.empty()) {
      auto next = std::move(held_.front());
      held_.pop_front();
      next();
    }
  }

 private:
  void Run(std::function<void()> answer) {
    if (hold) {
      held_.push_back(std::move(answer));
    } else {
      answer();
    }
  }

  std::map<std::string, cat::Organization> orgs_;
  std::deque<std::function<void()>> held_;
  absl::Mutex mu_;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
  std::vector<cat::CreateOrganizationRequest> created_ ABSL_GUARDED_BY(mu_);
};

VictimDescription Victim(const std::string& name, const std::string& country,
                         const std::string& path = "victim.victim_id") {
  VictimDescription victim;
  victim.veris_path = path;
  victim.organization_id = OrganizationSlug(name);
  victim.organization.set_display_name(name);
  victim.organization.set_country(country);
  auto* ref = victim.organization.add_external_references();
  ref->set_system("veris-victim");
  ref->set_id(name);
  return victim;
}

class VictimResolverTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::string> ResolveNow(const VictimDescription& victim) {
    absl::StatusOr<std::string> out = absl::UnknownError("no answer");
    resolver_.Resolve(victim, [&](absl::StatusOr<std::string> r) { out = r; });
    return out;
  }

  FakeOrganizationCatalog catalog_;
  VictimResolver resolver_{catalog_};
};

TEST_F(VictimResolverTest, ExternalReferenceComesFirst) {
  catalog_.Add("kmart-veris", "Kmart", "US", "Kmart");
  catalog_.Add("kmart", "Kmart", "US");
  EXPECT_EQ(*ResolveNow(Victim("Kmart", "US")), "organizations/kmart-veris");
  EXPECT_THAT(catalog_.calls(), ElementsAre("ref:Kmart"));
}

TEST_F(VictimResolverTest, ThenTheExactName) {
  catalog_.Add("kmart", "Kmart", "US");
  EXPECT_EQ(*ResolveNow(Victim("Kmart", "US")), "organizations/kmart");
  EXPECT_THAT(catalog_.calls(), ElementsAre("ref:Kmart", "name:Kmart"));
  EXPECT_EQ(resolver_.counts().by_name, 1);
}

TEST_F(VictimResolverTest, NamesakesAreToldApartByCountryOnly) {
  catalog_.Add("region-of-peel-ca", "Region of Peel", "CA");
  catalog_.Add("region-of-peel-gb", "Region of Peel", "GB");
  EXPECT_EQ(*ResolveNow(Victim("Region of Peel", "CA")),
            "organizations/region-of-peel-ca");
  // No country to go by: no guess, a new organisation.
  VictimResolver other(catalog_);
  absl::StatusOr<std::string> none;
  other.Resolve(Victim("Region of Peel", ""),
                [&](absl::StatusOr<std::string> r) { none = r; });
  EXPECT_EQ(*none, "organizations/region-of-peel");
  EXPECT_EQ(other.counts().created, 1);
}

TEST_F(VictimResolverTest, UnknownVictimIsCreatedWithWhatVerisSays) {
  VictimDescription victim = Victim("Sutter Medical Foundation", "US");
  victim.organization.set_industry_code("813410");
  EXPECT_EQ(*ResolveNow(victim), "organizations/sutter-medical-foundation");
  ASSERT_EQ(catalog_.created().size(), 1u);
  const cat::CreateOrganizationRequest create = catalog_.created()[0];
  EXPECT_EQ(create.organization().industry_code(), "813410");
  EXPECT_EQ(create.organization().external_references(0).id(),
            "Sutter Medical Foundation");
  EXPECT_EQ(create.request_id(), VictimResolver::RequestIdFor(create));
  EXPECT_THAT(create.request_id(), StartsWith("vv-"));
  EXPECT_EQ(create.request_id().size(), 43u);
}

TEST_F(VictimResolverTest, TakenIdGetsAHashedOne) {
  catalog_.Add("acme", "ACME Holdings", "US");  // another name, same slug
  absl::StatusOr<std::string> name = ResolveNow(Victim("Acme", "US"));
  ASSERT_THAT(name.status(), IsOk());
  EXPECT_THAT(*name, StartsWith("organizations/acme-"));
  EXPECT_EQ(name->size(), std::string("organizations/acme-").size() + 12);
  EXPECT_THAT(catalog_.calls(),
              ElementsAre("ref:Acme", "name:Acme", "create:acme", "ref:Acme",
                          StartsWith("create:acme-")));
}

TEST_F(VictimResolverTest, ManyRecordsOneVictimOneLookup) {
  catalog_.hold = true;
  std::vector<absl::StatusOr<std::string>> answers(100);
  for (int i = 0; i < 100; ++i) {
    resolver_.Resolve(
        Victim("United States Department of Veterans Affairs", "US"),
        [&, i](absl::StatusOr<std::string> r) { answers[i] = r; });
  }
  catalog_.hold = false;
  catalog_.Release();
  for (const auto& answer : answers) {
    EXPECT_EQ(*answer,
              "organizations/united-states-department-of-veterans-affairs");
  }
  // Cached afterwards.
  EXPECT_EQ(
      *ResolveNow(Victim("United States Department of Veterans Affairs", "US")),
      "organizations/united-states-department-of-veterans-affairs");
  EXPECT_EQ(catalog_.calls().size(), 3u);  // ref, name, create
  EXPECT_EQ(resolver_.counts().victims, 1);
  EXPECT_EQ(resolver_.counts().created, 1);
}

TEST_F(VictimResolverTest, RefusalNamesThePathOfEachRecord) {
  catalog_.fail_creates_ = true;
  EXPECT_THAT(ResolveNow(Victim("Bad Co", "US")).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("victim.victim_id: the catalog "
                                        "refused to create the victim"),
                             HasSubstr("organization.industry_code: bad"))));
  // The failure is cached, and named for the next record's path.
  EXPECT_THAT(
      ResolveNow(Victim("Bad Co", "US", "victim.secondary.victim_id[2]"))
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               StartsWith("victim.secondary.victim_id[2]: ")));
  EXPECT_EQ(catalog_.created().size(), 1u);
  EXPECT_EQ(resolver_.counts().failed, 1);
}

}  // namespace
}  // namespace atlas::atlasctl::veris
