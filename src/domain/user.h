// A staff member who signs in. Plain data; rules about it live in policy and decision code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/clock.h"
#include "domain/mfa_state.h"

namespace tessera {

struct User {
  std::string id;            // new_id()
  std::string upn;           // canonical_upn()
  std::string display_name;  // 1-256 characters, shown on pages
  UserStatus status = UserStatus::active;
  std::string password_hash;        // Argon2id PHC string; empty = no password set (cannot sign in)
  bool password_temporary = false;  // must be changed at next sign-in
  MfaState mfa_state = MfaState::disabled;
  Timestamp mfa_state_changed_at{};  // start of the registration grace period for Enabled
  Timestamp created_at{};
  Timestamp password_changed_at{};
  // (Lockouts of wrong passwords and codes are throttles: service/throttles.h.)
  Role role = Role::member;
  // "Don't show this again" was ticked on "Stay signed in?".
  bool stay_prompt_suppressed = false;
  // Moves on with every change that must end sign-ins under way (password, status, an admin's MFA
  // change); a sign-in remembers the version it began with (Store::check_user_unchanged).
  std::int64_t security_version = 0;
  // When "Keep your account secure" first asked for password reset info (its grace starts then).
  std::optional<Timestamp> reset_prompted_at;
};

inline constexpr std::size_t kMaxDisplayNameLength = 256;

}  // namespace tessera
