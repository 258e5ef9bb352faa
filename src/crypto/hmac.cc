#include "crypto/hmac.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace tessera {
namespace {

const EVP_MD* digest_of(OtpAlgorithm algorithm) {
  switch (algorithm) {
    case OtpAlgorithm::sha1:
      return EVP_sha1();
    case OtpAlgorithm::sha256:
      return EVP_sha256();
    case OtpAlgorithm::sha512:
      return EVP_sha512();
  }
  return EVP_sha1();
}

}  // namespace

std::vector<std::uint8_t> hmac(OtpAlgorithm algorithm, std::span<const std::uint8_t> key,
                               std::span<const std::uint8_t> message) {
  std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  // An empty key is legal for HMAC; OpenSSL wants a non-null pointer for it.
  static const std::uint8_t kEmpty = 0;
  HMAC(digest_of(algorithm), key.empty() ? &kEmpty : key.data(), static_cast<int>(key.size()),
       message.data(), message.size(), out.data(), &length);
  out.resize(length);
  return out;
}

std::array<std::uint8_t, 32> hmac_sha256(std::span<const std::uint8_t> key,
                                         std::span<const std::uint8_t> message) {
  std::array<std::uint8_t, 32> out{};
  const auto mac = hmac(OtpAlgorithm::sha256, key, message);
  std::copy(mac.begin(), mac.end(), out.begin());
  return out;
}

std::array<std::uint8_t, 32> sha256(std::span<const std::uint8_t> message) {
  std::array<std::uint8_t, 32> out{};
  unsigned int length = 0;
  EVP_Digest(message.data(), message.size(), out.data(), &length, EVP_sha256(), nullptr);
  return out;
}

}  // namespace tessera
