// The contract as other tools read it (issue 18 part 8): the descriptor set
// built with the project describes both services, and the google.api
// annotations hold what AIP-122/123/203 ask of them: every resource names
// its type and pattern, its `name` is IDENTIFIER, its times are
// OUTPUT_ONLY, and every request field that names a resource is REQUIRED
// with a resource reference. (The comments the annotations were derived
// from say the same; this keeps the two from drifting.)
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "atlas/catalog/v1/catalog_service.pb.h"
#include "atlas/incident/v1/incident_service.pb.h"
#include "gmock/gmock.h"
#include "google/api/field_behavior.pb.h"
#include "google/api/resource.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "tests/testing/test_env.h"

namespace atlas {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

std::set<int> BehaviorsOf(const FieldDescriptor* field) {
  std::set<int> out;
  const auto& options = field->options();
  for (int i = 0; i < options.ExtensionSize(google::api::field_behavior); ++i) {
    out.insert(options.GetExtension(google::api::field_behavior, i));
  }
  return out;
}

TEST(ContractAnnotationsTest, DescriptorSetDescribesBothServices) {
  std::ifstream in(testing::BinaryDir() + "/atlas_descriptor_set.binpb",
                   std::ios::binary);
  ASSERT_TRUE(in.good()) << "build the atlas_descriptor_set target";
  std::stringstream bytes;
  bytes << in.rdbuf();
  google::protobuf::FileDescriptorSet set;
  ASSERT_TRUE(set.ParseFromString(bytes.str()));
  std::set<std::string> services;
  bool comments = false;
  for (const auto& file : set.file()) {
    for (const auto& service : file.service()) {
      services.insert(file.package() + "." + service.name());
    }
    if (file.package() == "atlas.incident.v1" &&
        file.source_code_info().location_size() > 0) {
      comments = true;
    }
  }
  EXPECT_THAT(services,
              ::testing::IsSupersetOf({"atlas.catalog.v1.CatalogService",
                                       "atlas.incident.v1.IncidentService"}));
  EXPECT_TRUE(comments) << "the set keeps the comments (source info)";
}

TEST(ContractAnnotationsTest, ResourcesNameTheirTypeAndPattern) {
  struct Expected {
    const Descriptor* message;
    const char* type;
    const char* pattern;
  };
  for (const Expected& e :
       {Expected{catalog::v1::Organization::descriptor(),
                 "incidentatlas.org/Organization",
                 "organizations/{organization}"},
        Expected{incident::v1::Incident::descriptor(),
                 "incidentatlas.org/Incident", "incidents/{incident}"},
        Expected{incident::v1::TimelineEvent::descriptor(),
                 "incidentatlas.org/TimelineEvent",
                 "incidents/{incident}/events/{event}"},
        Expected{incident::v1::Source::descriptor(), "incidentatlas.org/Source",
                 "incidents/{incident}/sources/{source}"}}) {
    SCOPED_TRACE(e.message->full_name());
    const auto& resource =
        e.message->options().GetExtension(google::api::resource);
    EXPECT_EQ(resource.type(), e.type);
    EXPECT_THAT(resource.pattern(), ::testing::ElementsAre(e.pattern));
    const FieldDescriptor* name = e.message->FindFieldByName("name");
    ASSERT_NE(name, nullptr);
    EXPECT_THAT(BehaviorsOf(name),
                ::testing::ElementsAre(google::api::IDENTIFIER));
    for (const char* output_only : {"create_time", "update_time"}) {
      const FieldDescriptor* f = e.message->FindFieldByName(output_only);
      ASSERT_NE(f, nullptr) << output_only;
      EXPECT_THAT(BehaviorsOf(f),
                  ::testing::ElementsAre(google::api::OUTPUT_ONLY))
          << output_only;
    }
  }
}

// Every request message of both services: a `name` or `parent` field is
// REQUIRED and references a resource type; no field is both REQUIRED and
// OUTPUT_ONLY.
TEST(ContractAnnotationsTest, RequestsReferenceTheResourcesTheyName) {
  int checked = 0;
  for (const google::protobuf::ServiceDescriptor* service :
       {catalog::v1::Organization::descriptor()->file()->service(0),
        incident::v1::GetIncidentRequest::descriptor()->file()->service(0)}) {
    for (int m = 0; m < service->method_count(); ++m) {
      const Descriptor* request = service->method(m)->input_type();
      if (request->file()->package().rfind("atlas.", 0) != 0) continue;
      for (int i = 0; i < request->field_count(); ++i) {
        const FieldDescriptor* f = request->field(i);
        std::set<int> behaviors = BehaviorsOf(f);
        EXPECT_FALSE(behaviors.count(google::api::REQUIRED) &&
                     behaviors.count(google::api::OUTPUT_ONLY))
            << f->full_name();
        if (f->name() != "name" && f->name() != "parent") continue;
        if (f->type() != FieldDescriptor::TYPE_STRING) continue;
        ++checked;
        EXPECT_TRUE(behaviors.count(google::api::REQUIRED)) << f->full_name();
        const auto& ref =
            f->options().GetExtension(google::api::resource_reference);
        EXPECT_TRUE(!ref.type().empty() || !ref.child_type().empty())
            << f->full_name() << " has no resource_reference";
      }
    }
  }
  EXPECT_GE(checked, 12);
}

TEST(ContractAnnotationsTest, OtherLanguagesCanGenerateClients) {
  for (const google::protobuf::FileDescriptor* file :
       {catalog::v1::Organization::descriptor()->file(),
        incident::v1::Incident::descriptor()->file(),
        incident::v1::TimelineEvent::descriptor()->file(),
        incident::v1::GetIncidentRequest::descriptor()->file()}) {
    SCOPED_TRACE(file->name());
    EXPECT_THAT(file->options().go_package(),
                ::testing::StartsWith("incidentatlas.org/genproto/atlas/"));
    EXPECT_THAT(file->options().java_package(),
                ::testing::StartsWith("org.incidentatlas.atlas."));
  }
}

}  // namespace
}  // namespace atlas
