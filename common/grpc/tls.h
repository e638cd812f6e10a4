// TLS credentials from PEM files, for servers (--tls_cert, --tls_key,
// --tls_ca) and for clients (the other service, atlasctl).
//
// Plaintext stays the default for local runs: with no files given, both
// functions return null, which the callers read as "insecure".
#ifndef ATLAS_COMMON_GRPC_TLS_H_
#define ATLAS_COMMON_GRPC_TLS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace atlas::grpc_util {

struct TlsFiles {
  // This side's certificate chain and private key (PEM). For a server both
  // are required to enable TLS; for a client they are optional and, when
  // given, presented for mutual TLS.
  std::string cert;
  std::string key;
  // CA bundle (PEM). A server given a CA requires and verifies client
  // certificates (mutual TLS); a client verifies the server against it
  // (the system roots when empty).
  std::string ca;

  bool empty() const { return cert.empty() && key.empty() && ca.empty(); }
};

// Null for empty `files` (plaintext). INVALID_ARGUMENT when only one of
// cert/key is given, NOT_FOUND when a file cannot be read.
absl::StatusOr<std::shared_ptr<::grpc::ServerCredentials>>
MakeServerCredentials(const TlsFiles& files);

// Null for empty `files` (plaintext); errors as above.
absl::StatusOr<std::shared_ptr<::grpc::ChannelCredentials>>
MakeChannelCredentials(const TlsFiles& files);

}  // namespace atlas::grpc_util

#endif  // ATLAS_COMMON_GRPC_TLS_H_
