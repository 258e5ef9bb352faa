// Per-user MFA state, as in Entra per-user MFA (DESIGN.md section 2). Ordered: disabled < enabled <
// enforced, so "at least enabled" is a comparison.
#pragma once

#include <optional>
#include <string_view>

namespace tessera {

enum class MfaState { disabled = 0, enabled = 1, enforced = 2 };

std::string_view to_string(MfaState state);  // "disabled", "enabled", "enforced"
std::optional<MfaState> parse_mfa_state(std::string_view text);

enum class UserStatus { active = 0, blocked = 1 };

std::string_view to_string(UserStatus status);  // "active", "blocked"
std::optional<UserStatus> parse_user_status(std::string_view text);

// What a user may do beyond their own sign-in and Security info: a member nothing, an admin the
// admin portal (routes guarded with SignedInRoutes::for_role).
enum class Role { member = 0, admin = 1 };

std::string_view to_string(Role role);  // "member", "admin"
std::optional<Role> parse_role(std::string_view text);

}  // namespace tessera
