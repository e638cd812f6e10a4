#include "common/grpc/tls_flags.h"

#include <string>

#include "absl/flags/flag.h"

ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain to serve TLS with (needs --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle: require client certificates it signed (mutual "
          "TLS), and verify the other service against it");

namespace atlas::grpc_util {

TlsFiles TlsFilesFromFlags() {
  return TlsFiles{absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key),
                  absl::GetFlag(FLAGS_tls_ca)};
}

absl::StatusOr<TlsCredentials> TlsCredentialsFromFlags() {
  const TlsFiles files = TlsFilesFromFlags();
  auto server = MakeServerCredentials(files);
  if (!server.ok()) return server.status();
  auto channel = MakeChannelCredentials(files);
  if (!channel.ok()) return channel.status();
  return TlsCredentials{*std::move(server), *std::move(channel)};
}

}  // namespace atlas::grpc_util
