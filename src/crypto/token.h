// Bearer tokens (sessions, remembered devices, API tokens, refresh tokens): 256 random bits as
// URL-safe base64 without padding (43 characters). Only the SHA-256 hash is stored.
// App passwords are keyed hashes instead (HMAC-SHA-256 with a server key; see hmac.h).
#pragma once

#include <string>
#include <string_view>

#include "base/rng.h"
#include "base/secret_bytes.h"

namespace tessera {

struct IssuedToken {
  SecretBytes token;       // give to the client once, then forget
  std::string token_hash;  // hex SHA-256; what the store keeps
};

IssuedToken issue_token(Rng& rng);
// Hex SHA-256 of a presented token, to look it up. Bounded: tokens over 512 bytes hash to "" (no
// stored token has such a hash, so lookups fail).
std::string hash_token(std::string_view presented_token);

}  // namespace tessera
