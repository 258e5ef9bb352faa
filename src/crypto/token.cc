#include "crypto/token.h"

#include <array>

#include <sodium.h>

#include "base/hex.h"
#include "crypto/hmac.h"

namespace tessera {
namespace {

constexpr std::size_t kTokenRandomBytes = 32;
constexpr std::size_t kMaxPresentedTokenBytes = 512;

}  // namespace

IssuedToken issue_token(Rng& rng) {
  SecretBytes random = rng.secret_bytes(kTokenRandomBytes);
  const std::size_t encoded_capacity =
      sodium_base64_ENCODED_LEN(kTokenRandomBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  SecretBytes encoded(encoded_capacity);
  sodium_bin2base64(reinterpret_cast<char*>(encoded.data()), encoded_capacity, random.data(),
                    random.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  // sodium writes a terminating NUL; the token is the text before it.
  SecretBytes token(encoded.span().first(encoded_capacity - 1));
  std::string token_hash = hash_token(token.view());
  return IssuedToken{std::move(token), std::move(token_hash)};
}

std::string hash_token(std::string_view presented_token) {
  if (presented_token.size() > kMaxPresentedTokenBytes) return "";
  const auto digest = sha256(std::span<const std::uint8_t>(
      reinterpret_cast<const std::uint8_t*>(presented_token.data()), presented_token.size()));
  return to_hex(digest);
}

}  // namespace tessera
