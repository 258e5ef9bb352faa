#include "http/pages/csrf.h"

#include "base/ct_equal.h"
#include "base/hex.h"
#include "crypto/hmac.h"

namespace tessera {

std::string csrf_token(const SecretBytes& key, std::string_view binding) {
  const std::string message = "csrf\n" + std::string(binding);
  const auto mac = hmac_sha256(
      key.span(), {reinterpret_cast<const std::uint8_t*>(message.data()), message.size()});
  return to_hex(mac);
}

bool csrf_valid(const SecretBytes& key, std::string_view binding, std::string_view presented) {
  if (binding.empty()) return false;
  return ct_equal(csrf_token(key, binding), presented);
}

}  // namespace tessera
