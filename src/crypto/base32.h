// RFC 4648 base32 (A-Z2-7), as authenticator apps expect secrets.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/secret_bytes.h"

namespace tessera {

// Upper-case; with '=' padding only when `pad`.
std::string base32_encode(std::span<const std::uint8_t> bytes, bool pad = false);
// Case-insensitive; ignores spaces and '-' (as people type grouped secrets) and trailing '='.
// invalid_argument on any other character or an impossible length.
Result<SecretBytes> base32_decode(std::string_view text);

}  // namespace tessera
