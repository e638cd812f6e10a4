// BatchingOrganizationCatalog against a real catalog-service: calls made one
// by one travel in batches, and each still gets the answer it would get
// alone (a refused create fails alone, a second create of one id meets the
// first, a miss is NOT_FOUND, an invalid query fails alone).
#include "tools/atlasctl/veris/batching_organization_catalog.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/catalog_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas::atlasctl::veris {
namespace {

namespace cat = ::atlas::catalog::v1;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Code = absl::StatusCode;

class BatchingOrganizationCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Start();
    stub_ = server_.NewStub();
    runner_ = std::make_unique<RpcRunner>(
        [] { return ContextWithKey(kEditorKey); }, RpcRunner::Options{});
    BatchingOrganizationCatalog::Options options;
    options.linger = absl::Milliseconds(200);
    catalog_ = std::make_unique<BatchingOrganizationCatalog>(*stub_, *runner_,
                                                             options);
  }
  void TearDown() override { runner_->Drain(); }

  static cat::CreateOrganizationRequest Org(const std::string& id,
                                            const std::string& country = "") {
    cat::CreateOrganizationRequest r;
    r.set_organization_id(id);
    r.mutable_organization()->set_display_name("Org " + id);
    if (!country.empty()) r.mutable_organization()->set_country(country);
    return r;
  }

  // Sends every create at once and waits for all answers.
  std::vector<absl::StatusOr<cat::Organization>> CreateAll(
      const std::vector<cat::CreateOrganizationRequest>& requests) {
    std::vector<absl::StatusOr<cat::Organization>> answers(
        requests.size(), absl::UnknownError("no answer"));
    for (size_t i = 0; i < requests.size(); ++i) {
      catalog_->Create(requests[i], [this, &answers,
                                     i](absl::StatusOr<cat::Organization> a) {
        absl::MutexLock lock(&mu_);
        answers[i] = std::move(a);
      });
    }
    runner_->Drain();
    return answers;
  }

  std::vector<absl::StatusOr<cat::ResolveOrganizationResponse>> ResolveAll(
      const std::vector<cat::ResolveOrganizationRequest>& requests) {
    std::vector<absl::StatusOr<cat::ResolveOrganizationResponse>> answers(
        requests.size(), absl::UnknownError("no answer"));
    for (size_t i = 0; i < requests.size(); ++i) {
      catalog_->Resolve(
          requests[i], [this, &answers,
                        i](absl::StatusOr<cat::ResolveOrganizationResponse> a) {
            absl::MutexLock lock(&mu_);
            answers[i] = std::move(a);
          });
    }
    runner_->Drain();
    return answers;
  }

  ::atlas::testing::CatalogHarness server_;
  std::unique_ptr<cat::CatalogService::Stub> stub_;
  std::unique_ptr<RpcRunner> runner_;
  std::unique_ptr<BatchingOrganizationCatalog> catalog_;
  absl::Mutex mu_;
};

TEST_F(BatchingOrganizationCatalogTest,
       CreatesTravelTogetherAndARefusedOneFailsAlone) {
  auto answers =
      CreateAll({Org("one"), Org("two", "XX"), Org("three"), Org("four")});
  ASSERT_THAT(answers[0].status(), IsOk());
  EXPECT_EQ(answers[0]->name(), "organizations/one");
  EXPECT_THAT(answers[1].status(), StatusIs(Code::kInvalidArgument));
  // Its own error, as a single CreateOrganization would word it.
  EXPECT_THAT(std::string(answers[1].status().message()),
              StartsWith("organization.country"));
  ASSERT_THAT(answers[2].status(), IsOk());
  ASSERT_THAT(answers[3].status(), IsOk());
  // One batch that failed naming requests[1], one without it.
  EXPECT_EQ(catalog_->create_batches(), 2);
}

TEST_F(BatchingOrganizationCatalogTest, ASecondCreateOfOneIdMeetsTheFirst) {
  auto answers = CreateAll({Org("same"), Org("other"), Org("same")});
  ASSERT_THAT(answers[0].status(), IsOk());
  ASSERT_THAT(answers[1].status(), IsOk());
  EXPECT_THAT(answers[2].status(), StatusIs(Code::kAlreadyExists));
  EXPECT_THAT(std::string(answers[2].status().message()),
              HasSubstr("organizations/same already exists"));
}

TEST_F(BatchingOrganizationCatalogTest, ResolvesAnswerHitsMissesAndBadQueries) {
  ASSERT_THAT(CreateAll({Org("vooruit")})[0].status(), IsOk());
  cat::ResolveOrganizationRequest hit, miss, bad;
  hit.set_query("Org vooruit");
  miss.set_query("Nobody Here");
  bad.set_query("");
  auto answers = ResolveAll({hit, miss, bad, hit});
  ASSERT_THAT(answers[0].status(), IsOk());
  EXPECT_EQ(answers[0]->organization().name(), "organizations/vooruit");
  EXPECT_THAT(answers[1].status(), StatusIs(Code::kNotFound));
  EXPECT_THAT(answers[2].status(), StatusIs(Code::kInvalidArgument));
  EXPECT_THAT(std::string(answers[2].status().message()),
              Not(StartsWith("requests[")));
  ASSERT_THAT(answers[3].status(), IsOk());
  EXPECT_LE(catalog_->resolve_batches(), 2);
}

}  // namespace
}  // namespace atlas::atlasctl::veris
