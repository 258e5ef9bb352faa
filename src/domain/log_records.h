// Records of what happened: the sign-in log (every attempt) and the audit log (who changed what).
// Neither ever holds a secret, code or password.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace tessera {

enum class SignInResult { success = 0, failure = 1, interrupted = 2 };
std::string_view to_string(SignInResult result);
std::optional<SignInResult> parse_sign_in_result(std::string_view text);

struct SignInLogEntry {
  std::string id;
  Timestamp time{};
  std::string user_id;  // empty when the UPN is unknown
  std::string upn;      // as typed (canonicalised when valid), bounded to 254 characters
  std::string client_ip;
  std::string app;  // "Security info", an OIDC client id, "basic"
  SignInResult result = SignInResult::failure;
  std::string failure_reason;  // a DecisionRule name or a step's reason; on success empty or a
                               // note such as registered_method_now_enforced
  bool mfa_required = false;
  std::string decided_by;  // the DecisionRule that decided (to_string)
  std::string method;      // method used for MFA, empty if none
};

struct AuditLogEntry {
  std::string id;
  Timestamp time{};
  std::string actor;   // "cli", an admin UPN, or "system"
  std::string action;  // "user.create", "mfa.set", "policy.set", …
  std::string target;  // the UPN or object affected
  std::string detail;  // human-readable; never a secret
};

}  // namespace tessera
