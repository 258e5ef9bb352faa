#include "methods/method.h"

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

}  // namespace tessera
