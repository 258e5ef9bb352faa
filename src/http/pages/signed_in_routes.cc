#include "http/pages/signed_in_routes.h"

#include <utility>

#include "http/pages/cookies.h"
#include "http/pages/csrf.h"
#include "http/pages/page_handlers.h"

namespace tessera {

void SignedInRoutes::get(std::string path, Handler handler) {
  add(HttpMethod::get, std::move(path), std::move(handler), {}, {});
}

void SignedInRoutes::post(std::string path, Handler handler, Handler on_bad_csrf) {
  add(HttpMethod::post, std::move(path), std::move(handler), std::move(on_bad_csrf), {});
}

void SignedInRoutes::post_fresh(std::string path, Handler handler, Handler on_bad_csrf,
                                Handler on_stale) {
  add(HttpMethod::post, std::move(path), std::move(handler), std::move(on_bad_csrf),
      std::move(on_stale));
}

SignedInRoutes SignedInRoutes::for_role(Role role) const {
  SignedInRoutes routes(router_, context_);
  routes.role_ = role;
  return routes;
}

Response no_access_page(WebContext& context) {
  PageData data;
  data.set("heading", "No access");
  data.set("text", "Your account doesn't have access to this page. Ask your administrator.");
  data.set("link", "Back to Security info");
  data.set("href", "/security-info");
  return render_page(403, "message", "No access", std::move(data), context.tenant_name);
}

void SignedInRoutes::add(HttpMethod method, std::string path, Handler handler, Handler on_bad_csrf,
                         Handler on_stale) {
  const bool needs_csrf = method != HttpMethod::get;
  router_.add(
      method, std::move(path),
      [&context = context_, handler = std::move(handler), on_bad_csrf = std::move(on_bad_csrf),
       on_stale = std::move(on_stale), needs_csrf,
       role = role_](const Request& request) -> Response {
        std::string token = cookie_value(request, kSessionCookie);
        auto session = context.sessions.find(token);
        if (!session.ok()) {
          if (session.status().code() == ErrorCode::unauthenticated) {
            return Response::redirect("/signin");
          }
          return failure_page(context, session.status());
        }
        const Signed who{std::move(session).value(), std::move(token)};
        if (role) {
          auto user = context.sessions.user_of(who.session);
          if (!user.ok()) return failure_page(context, user.status());
          if (user->role != *role || user->status != UserStatus::active) {
            return no_access_page(context);
          }
        }
        if (needs_csrf) {
          const std::string& csrf = request.form_field("csrf");
          if (csrf.empty() || !csrf_valid(context.csrf_key, who.token, csrf)) {
            return on_bad_csrf(request, who);
          }
        }
        if (on_stale) {
          const Status fresh = context.security_info.check_fresh_proof(who.session);
          if (fresh.code() == ErrorCode::permission_denied) return on_stale(request, who);
          if (!fresh.ok()) return failure_page(context, fresh);
        }
        return handler(request, who);
      },
      Dispatch::blocking);
}

}  // namespace tessera
