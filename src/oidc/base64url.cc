#include "oidc/base64url.h"

#include <sodium.h>

namespace tessera {

std::string base64url_encode(std::string_view bytes) {
  const std::size_t capacity =
      sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  std::string out(capacity, '\0');
  sodium_bin2base64(out.data(), capacity, reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(capacity - 1);  // sodium writes a terminating NUL
  return out;
}

std::string base64_encode(std::string_view bytes) {
  const std::size_t capacity =
      sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(capacity, '\0');
  sodium_bin2base64(out.data(), capacity, reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(capacity - 1);
  return out;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  std::size_t decoded_size = 0;
  const char* end = nullptr;
  // sodium stops at the first character outside the alphabet and reports where; it refuses
  // non-zero leftover bits and a dangling character itself.
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &decoded_size, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
    return std::nullopt;
  }
  if (end != text.data() + text.size()) return std::nullopt;
  out.resize(decoded_size);
  return out;
}

}  // namespace tessera
