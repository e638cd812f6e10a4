#include "common/grpc/tls.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace atlas::grpc_util {
namespace {

absl::StatusOr<std::string> ReadPem(const std::string& path,
                                    absl::string_view what) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read ", what, " ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (buffer.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, " is not PEM"));
  }
  return buffer.str();
}

absl::Status CheckPair(const TlsFiles& files) {
  if (files.cert.empty() != files.key.empty()) {
    return absl::InvalidArgumentError(
        "TLS needs both a certificate and its private key");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<::grpc::ServerCredentials>>
MakeServerCredentials(const TlsFiles& files) {
  if (files.empty()) return std::shared_ptr<::grpc::ServerCredentials>();
  absl::Status pair = CheckPair(files);
  if (!pair.ok()) return pair;
  if (files.cert.empty()) {
    return absl::InvalidArgumentError(
        "a server CA (--tls_ca) needs --tls_cert and --tls_key too");
  }
  auto cert = ReadPem(files.cert, "certificate");
  if (!cert.ok()) return cert.status();
  auto key = ReadPem(files.key, "private key");
  if (!key.ok()) return key.status();
  ::grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!files.ca.empty()) {
    auto ca = ReadPem(files.ca, "CA bundle");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request =
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return ::grpc::SslServerCredentials(options);
}

absl::StatusOr<std::shared_ptr<::grpc::ChannelCredentials>>
MakeChannelCredentials(const TlsFiles& files) {
  if (files.empty()) return std::shared_ptr<::grpc::ChannelCredentials>();
  absl::Status pair = CheckPair(files);
  if (!pair.ok()) return pair;
  ::grpc::SslCredentialsOptions options;
  if (!files.ca.empty()) {
    auto ca = ReadPem(files.ca, "CA bundle");
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
  }
  if (!files.cert.empty()) {
    auto cert = ReadPem(files.cert, "certificate");
    if (!cert.ok()) return cert.status();
    auto key = ReadPem(files.key, "private key");
    if (!key.ok()) return key.status();
    options.pem_cert_chain = *cert;
    options.pem_private_key = *key;
  }
  return ::grpc::SslCredentials(options);
}

}  // namespace atlas::grpc_util
