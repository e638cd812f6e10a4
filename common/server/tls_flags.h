// The TLS flags both servers share:
//   --tls_cert, --tls_key  serve TLS with this certificate chain and key;
//   --tls_ca               require client certificates signed by this CA
//                          (mutual TLS), and verify the other service
//                          against it when dialling it.
// The same certificate is presented as the client certificate when the
// service dials the other one, so one CA and one certificate per service
// give mutual TLS both ways. With none of them set, everything is
// plaintext, the default for local runs.
#ifndef ATLAS_COMMON_SERVER_TLS_FLAGS_H_
#define ATLAS_COMMON_SERVER_TLS_FLAGS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/grpc/tls.h"

namespace atlas::server {

// The files named by --tls_cert, --tls_key and --tls_ca.
grpc_util::TlsFiles TlsFilesFromFlags();

// Both sides' credentials from the flags: what the server serves with, and
// what it dials the other service with. Null members mean plaintext. Errors
// as MakeServerCredentials / MakeChannelCredentials.
struct TlsCredentials {
  std::shared_ptr<::grpc::ServerCredentials> server;
  std::shared_ptr<::grpc::ChannelCredentials> channel;
};
absl::StatusOr<TlsCredentials> TlsCredentialsFromFlags();

}  // namespace atlas::server

#endif  // ATLAS_COMMON_SERVER_TLS_FLAGS_H_
