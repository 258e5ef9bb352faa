#include "domain/mfa_state.h"

namespace tessera {

std::string_view to_string(MfaState state) {
  switch (state) {
    case MfaState::disabled:
      return "disabled";
    case MfaState::enabled:
      return "enabled";
    case MfaState::enforced:
      return "enforced";
  }
  return "disabled";
}

std::optional<MfaState> parse_mfa_state(std::string_view text) {
  if (text == "disabled") return MfaState::disabled;
  if (text == "enabled") return MfaState::enabled;
  if (text == "enforced") return MfaState::enforced;
  return std::nullopt;
}

std::string_view to_string(UserStatus status) {
  return status == UserStatus::blocked ? "blocked" : "active";
}

std::optional<UserStatus> parse_user_status(std::string_view text) {
  if (text == "active") return UserStatus::active;
  if (text == "blocked") return UserStatus::blocked;
  return std::nullopt;
}

std::string_view to_string(Role role) {
  return role == Role::admin ? "admin" : "member";
}

std::optional<Role> parse_role(std::string_view text) {
  if (text == "member") return Role::member;
  if (text == "admin") return Role::admin;
  return std::nullopt;
}

}  // namespace tessera
