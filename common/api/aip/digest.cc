#include "common/api/aip/digest.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "absl/random/random.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace atlas::api {

std::string Sha256(absl::string_view data) {
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

std::string HexEncode(absl::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream coded(&raw);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

std::string NewEtag() {
  unsigned char token[16];
  if (RAND_bytes(token, sizeof(token)) != 1) {
    // OpenSSL's CSPRNG cannot fail once seeded from the kernel; if it ever
    // did, an etag must still never repeat for one record: fall back to
    // absl's random bits (unpredictable enough for a version token).
    absl::BitGen gen;
    for (unsigned char& c : token) c = absl::Uniform<unsigned char>(gen);
  }
  return HexEncode(
      absl::string_view(reinterpret_cast<const char*>(token), sizeof(token)));
}

std::string RequestFingerprint(const google::protobuf::Message& request) {
  return Sha256(DeterministicBytes(request));
}

}  // namespace atlas::api
