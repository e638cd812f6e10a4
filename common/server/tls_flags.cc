#include "common/server/tls_flags.h"

#include <string>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain to serve TLS with (needs --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle: require client certificates it signed (mutual "
          "TLS), and verify the other service against it");

namespace atlas::server {

grpc_util::TlsFiles TlsFilesFromFlags() {
  return grpc_util::TlsFiles{absl::GetFlag(FLAGS_tls_cert),
                             absl::GetFlag(FLAGS_tls_key),
                             absl::GetFlag(FLAGS_tls_ca)};
}

absl::StatusOr<TlsCredentials> TlsCredentialsFromFlags() {
  const grpc_util::TlsFiles files = TlsFilesFromFlags();
  auto server = grpc_util::MakeServerCredentials(files);
  if (!server.ok()) return server.status();
  auto channel = grpc_util::MakeChannelCredentials(files);
  if (!channel.ok()) return channel.status();
  return TlsCredentials{*std::move(server), *std::move(channel)};
}

}  // namespace atlas::server
