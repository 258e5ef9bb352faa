#include "domain/method.h"

#include <algorithm>

namespace tessera {

std::string_view to_string(MethodKind kind) {
  switch (kind) {
    case MethodKind::authenticator_app:
      return "authenticator_app";
    case MethodKind::app_notification:
      return "app_notification";
    case MethodKind::phone:
      return "phone";
    case MethodKind::alternate_phone:
      return "alternate_phone";
    case MethodKind::email:
      return "email";
  }
  return "authenticator_app";
}

std::optional<MethodKind> parse_method_kind(std::string_view text) {
  if (text == "authenticator_app") return MethodKind::authenticator_app;
  if (text == "app_notification") return MethodKind::app_notification;
  if (text == "phone") return MethodKind::phone;
  if (text == "alternate_phone") return MethodKind::alternate_phone;
  if (text == "email") return MethodKind::email;
  return std::nullopt;
}

Method new_authenticator_app(std::string id, std::string user_id, SecretBytes secret,
                             const std::vector<Method>& existing, Timestamp now,
                             std::int64_t verified_step) {
  Method method;
  method.id = std::move(id);
  method.user_id = std::move(user_id);
  method.kind = MethodKind::authenticator_app;
  method.label = "Authenticator app";
  method.secret = std::move(secret);
  method.is_default = std::none_of(existing.begin(), existing.end(),
                                   [](const Method& other) { return other.is_default; });
  method.created_at = now;
  method.last_used_step = verified_step;
  return method;
}

}  // namespace tessera
