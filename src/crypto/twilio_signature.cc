#include "crypto/twilio_signature.h"

#include <algorithm>
#include <cstdint>

#include <sodium.h>

#include "base/ct_equal.h"
#include "crypto/hmac.h"

namespace tessera {

std::string twilio_signature(std::string_view auth_token, std::string_view url,
                             FormParameters parameters) {
  // Twilio's own validators sign each distinct (name, value) pair once.
  std::sort(parameters.begin(), parameters.end());
  parameters.erase(std::unique(parameters.begin(), parameters.end()), parameters.end());
  std::string signed_text(url);
  for (const auto& [name, value] : parameters) {
    signed_text += name;
    signed_text += value;
  }
  const auto mac =
      hmac(OtpAlgorithm::sha1,
           {reinterpret_cast<const std::uint8_t*>(auth_token.data()), auth_token.size()},
           {reinterpret_cast<const std::uint8_t*>(signed_text.data()), signed_text.size()});
  std::string encoded(sodium_base64_ENCODED_LEN(mac.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), mac.data(), mac.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool twilio_signature_valid(std::string_view auth_token, std::string_view url,
                            FormParameters parameters, std::string_view presented) {
  const std::string expected = twilio_signature(auth_token, url, std::move(parameters));
  return ct_equal(expected, presented);
}

}  // namespace tessera
