// base64url without padding (RFC 4648 §5, as RFC 7515 §2 uses it for JWS and JWK members).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tessera {

// A-Z a-z 0-9 '-' '_', no '='.
std::string base64url_encode(std::string_view bytes);

// Standard base64 with padding (RFC 4648 §4), as a CSP hash source is written.
std::string base64_encode(std::string_view bytes);

// Strict: the whole of `text` must be unpadded base64url. Padding, '+', '/', whitespace, any other
// character, an impossible length (4n+1) and non-zero unused bits in the last character (a second
// spelling of the same bytes) all give nullopt. An empty text is the empty string.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace tessera
