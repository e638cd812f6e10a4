// TLS end to end with the built binaries: certificates are made with the
// openssl command at test time; both services serve TLS and require client
// certificates from the test CA (mutual TLS); incident-service checks
// victims with the catalog, and the catalog follows incident-service's
// change stream, both over mutual TLS; atlasctl talks TLS too. Clients
// without a certificate of that CA, or in plaintext, are refused.
#include "common/grpc/tls.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "atlas/catalog/v1/catalog_service.grpc.pb.h"
#include "atlas/incident/v1/incident_service.grpc.pb.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "tests/reliability/crash_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_env.h"

namespace atlas {
namespace {

using ::atlas::reliability::ChildServer;
using ::atlas::testing::BinaryDir;
using ::atlas::testing::ContextWithKey;
using ::atlas::testing::IsOk;
using ::atlas::testing::kEditorKey;
using ::atlas::testing::kMemberKey;
using ::atlas::testing::StatusIs;
using ::atlas::testing::TempDir;
using ::atlas::testing::WaitFor;

int Shell(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Makes ca.pem, a server/peer certificate for localhost and 127.0.0.1
// (peer.pem, peer.key), a client certificate (client.pem, client.key), and
// a client certificate of another CA (rogue.pem, rogue.key) in `dir`.
void MakeCertificates(const std::string& dir) {
  std::ofstream(dir + "/san.ext")
      << "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
         "extendedKeyUsage=serverAuth,clientAuth\n";
  std::ofstream(dir + "/client.ext") << "extendedKeyUsage=clientAuth\n";
  const std::string key =
      "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  std::string script = absl::StrCat(
      "set -e; cd '", dir, "';", "openssl req -x509 ", key,
      " -keyout ca.key -out ca.pem -days 2 -subj /CN=atlas-test-ca;",
      "openssl req -x509 ", key,
      " -keyout rogue-ca.key -out rogue-ca.pem -days 2 -subj /CN=rogue-ca;",
      "for n in peer client rogue; do openssl req ", key,
      " -keyout $n.key -out $n.csr -subj /CN=$n; done;",
      "openssl x509 -req -in peer.csr -CA ca.pem -CAkey ca.key -CAcreateserial "
      "-out peer.pem -days 2 -extfile san.ext;",
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key "
      "-CAcreateserial -out client.pem -days 2 -extfile client.ext;",
      "openssl x509 -req -in rogue.csr -CA rogue-ca.pem -CAkey rogue-ca.key "
      "-CAcreateserial -out rogue.pem -days 2 -extfile client.ext;");
  ASSERT_EQ(Shell("(" + script + ") >/dev/null 2>&1"), 0) << "openssl failed";
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(MakeCertificates(dir_.path()));
    std::ofstream(dir_.Sub("keys")) << ::atlas::testing::TestKeyFileText();
    std::ofstream(dir_.Sub("service-key"))
        << ::atlas::testing::kServiceKey << "\n";
    const std::vector<std::string> tls = {"--tls_cert=" + dir_.Sub("peer.pem"),
                                          "--tls_key=" + dir_.Sub("peer.key"),
                                          "--tls_ca=" + dir_.Sub("ca.pem")};
    catalog_ = std::make_unique<ChildServer>(
        BinaryDir() + "/catalog-service/catalog-service", dir_.path(),
        "catalog");
    incidents_ = std::make_unique<ChildServer>(
        BinaryDir() + "/incident-service/incident-service", dir_.path(),
        "incidents");
    // The catalog starts first without following, to learn its port.
    std::vector<std::string> catalog_args = tls;
    catalog_args.push_back("--db_path=" + dir_.Sub("catalog-db"));
    catalog_args.push_back("--api_keys_file=" + dir_.Sub("keys"));
    catalog_->set_args(catalog_args);
    ASSERT_THAT(catalog_->Start(), IsOk());
    std::vector<std::string> incident_args = tls;
    incident_args.insert(
        incident_args.end(),
        {"--db_path=" + dir_.Sub("incident-db"),
         "--api_keys_file=" + dir_.Sub("keys"),
         "--catalog_address=" + absl::StrCat("localhost:", catalog_->port()),
         "--catalog_api_key_file=" + dir_.Sub("service-key"),
         "--attack_dir=" + ::atlas::testing::SourceDir() +
             "/incident-service/data/attack",
         "--veris_dir=" + ::atlas::testing::SourceDir() + "/datasets/veris"});
    incidents_->set_args(incident_args);
    ASSERT_THAT(incidents_->Start(), IsOk());
    // Restart the catalog on its port, now following incident-service.
    EXPECT_EQ(catalog_->Terminate(), 0);
    catalog_args.push_back(
        absl::StrCat("--incident_address=localhost:", incidents_->port()));
    catalog_args.push_back("--incident_api_key_file=" +
                           dir_.Sub("service-key"));
    catalog_->set_args(catalog_args);
    ASSERT_THAT(catalog_->Start(), IsOk());
  }

  std::shared_ptr<::grpc::Channel> Channel(int port,
                                           grpc_util::TlsFiles files) {
    auto credentials = grpc_util::MakeChannelCredentials(files);
    EXPECT_THAT(credentials, IsOk());
    return ::grpc::CreateChannel(
        absl::StrCat("localhost:", port),
        *credentials ? *credentials : ::grpc::InsecureChannelCredentials());
  }
  grpc_util::TlsFiles ClientFiles() {
    return {dir_.Sub("client.pem"), dir_.Sub("client.key"), dir_.Sub("ca.pem")};
  }

  TempDir dir_;
  std::unique_ptr<ChildServer> catalog_;
  std::unique_ptr<ChildServer> incidents_;
};

TEST_F(TlsTest, MutualTlsEndToEndBetweenClientsAndBothServices) {
  auto catalog = catalog::v1::CatalogService::NewStub(
      Channel(catalog_->port(), ClientFiles()));
  auto incidents = incident::v1::IncidentService::NewStub(
      Channel(incidents_->port(), ClientFiles()));
  catalog::v1::CreateOrganizationRequest org;
  org.set_organization_id("vooruit");
  org.mutable_organization()->set_display_name("Vooruit");
  catalog::v1::Organization created_org;
  ASSERT_THAT(catalog->CreateOrganization(ContextWithKey(kEditorKey).get(), org,
                                          &created_org),
              IsOk());
  // incident-service checks the victim with the catalog over mutual TLS.
  incident::v1::CreateIncidentRequest request;
  request.set_incident_id("tls-incident");
  request.mutable_incident()->set_title("Incident over TLS");
  request.mutable_incident()->add_victims()->set_organization(
      "organizations/vooruit");
  incident::v1::Incident created;
  ASSERT_THAT(incidents->CreateIncident(ContextWithKey(kEditorKey).get(),
                                        request, &created),
              IsOk());
  // The catalog follows the change stream over mutual TLS.
  EXPECT_TRUE(WaitFor(
      [&] {
        catalog::v1::GetOrganizationRequest get;
        get.set_name("organizations/vooruit");
        catalog::v1::Organization fetched;
        return catalog
                   ->GetOrganization(ContextWithKey(kMemberKey).get(), get,
                                     &fetched)
                   .ok() &&
               fetched.incident_count() == 1;
      },
      absl::Seconds(20)));
}

TEST_F(TlsTest, ClientsWithoutATrustedCertificateAreRefused) {
  catalog::v1::GetOrganizationRequest get;
  get.set_name("organizations/vooruit");
  catalog::v1::Organization out;
  // Plaintext against a TLS port.
  auto plaintext = catalog::v1::CatalogService::NewStub(::grpc::CreateChannel(
      catalog_->address(), ::grpc::InsecureChannelCredentials()));
  EXPECT_THAT(plaintext->GetOrganization(ContextWithKey("").get(), get, &out),
              StatusIs(absl::StatusCode::kUnavailable));
  // TLS, but no client certificate.
  auto anonymous = catalog::v1::CatalogService::NewStub(
      Channel(catalog_->port(), {"", "", dir_.Sub("ca.pem")}));
  EXPECT_THAT(anonymous->GetOrganization(ContextWithKey("").get(), get, &out),
              StatusIs(absl::StatusCode::kUnavailable));
  // A client certificate of another CA.
  auto rogue = catalog::v1::CatalogService::NewStub(Channel(
      catalog_->port(),
      {dir_.Sub("rogue.pem"), dir_.Sub("rogue.key"), dir_.Sub("ca.pem")}));
  EXPECT_THAT(rogue->GetOrganization(ContextWithKey("").get(), get, &out),
              StatusIs(absl::StatusCode::kUnavailable));
  // A server not signed by the CA the client trusts.
  auto distrustful = catalog::v1::CatalogService::NewStub(
      Channel(catalog_->port(), {dir_.Sub("client.pem"), dir_.Sub("client.key"),
                                 dir_.Sub("rogue-ca.pem")}));
  EXPECT_THAT(distrustful->GetOrganization(ContextWithKey("").get(), get, &out),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(TlsTest, AtlasctlSpeaksMutualTls) {
  const std::string atlasctl = absl::StrCat(
      BinaryDir(),
      "/tools/atlasctl/atlasctl --catalog=localhost:", catalog_->port(),
      " --incidents=localhost:", incidents_->port(),
      " --tls-ca=", dir_.Sub("ca.pem"));
  const std::string client_cert =
      absl::StrCat(" --tls-cert=", dir_.Sub("client.pem"),
                   " --tls-key=", dir_.Sub("client.key"));
  EXPECT_EQ(Shell(atlasctl + client_cert + " health >/dev/null 2>&1"), 0);
  // Without the client certificate the servers refuse it: exit 1.
  EXPECT_EQ(Shell(atlasctl + " health >/dev/null 2>&1"), 1);
  // Half a key pair is a usage error: exit 2.
  EXPECT_EQ(Shell(atlasctl + " --tls-cert=x health >/dev/null 2>&1"), 2);
}

TEST_F(TlsTest, ServerRefusesToStartWithHalfAKeyPair) {
  ChildServer broken(BinaryDir() + "/catalog-service/catalog-service",
                     dir_.path(), "broken");
  broken.set_args({"--tls_cert=" + dir_.Sub("peer.pem"),
                   "--db_path=" + dir_.Sub("broken-db")});
  EXPECT_FALSE(broken.Start(absl::Seconds(5), 1).ok());
}

}  // namespace
}  // namespace atlas
