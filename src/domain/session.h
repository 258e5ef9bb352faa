// A browser session. The cookie carries a random token; the store keeps only its hash, so a copy of
// the database does not let anyone sign in.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"

namespace tessera {

struct SessionRecord {
  std::string token_hash;  // hex SHA-256 of the session token (crypto/token.h)
  std::string user_id;
  Timestamp created_at{};
  Timestamp last_seen_at{};
  Timestamp expires_at{};           // absolute timeout
  bool persistent = false;          // "Stay signed in?" Yes
  std::optional<Timestamp> mfa_at;  // when MFA was last proven in this session
  // What the sign-in that made it did: RFC 8176 values, space-separated ("pwd otp mfa"); empty
  // for a session older than schema version 9 (a password only, as far as anyone can tell).
  std::string amr;
};

}  // namespace tessera
