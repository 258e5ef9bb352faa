#include "http/pages/web_routes.h"

#include "http/pages/page_handlers.h"
#include "http/pages/render.h"

namespace tessera {

void add_web_routes(Router& router, WebContext& context) {
  add_sign_in_routes(router, context);
  add_security_info_routes(router, context);
  add_report_routes(router, context);
  add_password_reset_routes(router, context);
  add_oidc_routes(router, context);
  add_forward_auth_routes(router, context);
  router.add(HttpMethod::get, "/static/tessera.css", [](const Request&) { return stylesheet(); });
}

}  // namespace tessera
