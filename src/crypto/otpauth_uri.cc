#include "crypto/otpauth_uri.h"

#include "crypto/base32.h"

namespace tessera {
namespace {

// Percent-encodes everything but RFC 3986 unreserved characters.
void append_percent_encoded(std::string& out, std::string_view text) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
        (byte >= '0' && byte <= '9') || byte == '-' || byte == '.' || byte == '_' || byte == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
}

}  // namespace

SecretBytes totp_uri(std::string_view issuer, std::string_view account, const SecretBytes& secret,
                     const TotpParameters& parameters) {
  std::string uri = "otpauth://totp/";
  append_percent_encoded(uri, issuer);
  uri.push_back(':');
  append_percent_encoded(uri, account);
  uri += "?secret=";
  std::string encoded_secret = base32_encode(secret.span());
  uri += encoded_secret;
  wipe_string(encoded_secret);
  uri += "&issuer=";
  append_percent_encoded(uri, issuer);
  uri += "&algorithm=";
  uri += to_string(parameters.algorithm);
  uri += "&digits=" + std::to_string(parameters.digits);
  uri += "&period=" + std::to_string(parameters.period.count());
  SecretBytes result = SecretBytes::from_string(uri);
  wipe_string(uri);
  return result;
}

}  // namespace tessera
