// A registered sign-in method of a user (DESIGN.md section 4), and the one vocabulary of method
// kinds (stored as their numbers, named by to_string() in the policy, the log and the pages).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/secret_bytes.h"

namespace tessera {

enum class MethodKind {
  authenticator_app = 0,  // TOTP code from an authenticator app
  app_notification = 1,   // push approval with number matching (companion authenticator)
  phone = 2,              // text message or call to the authentication phone
  alternate_phone = 3,    // calls only
  email = 4,              // email code (password reset; MFA when the admin allows it)
};
// The highest kind a stored row may hold (the store refuses others as damaged).
inline constexpr MethodKind kLastMethodKind = MethodKind::email;

std::string_view to_string(MethodKind kind);
std::optional<MethodKind> parse_method_kind(std::string_view text);

struct Method {
  std::string id;
  std::string user_id;
  MethodKind kind = MethodKind::authenticator_app;
  std::string label;   // "Authenticator app", "+44 7700 900123", …
  std::string detail;  // E.164 phone number or email address; empty for apps
  // Key material (TOTP seed, device public key). Sealed with AEAD by the store; never logged.
  SecretBytes secret;
  bool is_default = false;
  Timestamp created_at{};
  // TOTP replay guard: the highest time step accepted so far; a code from a step ≤ this is refused.
  std::optional<std::int64_t> last_used_step;
};

}  // namespace tessera
