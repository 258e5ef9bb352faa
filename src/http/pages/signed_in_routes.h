// The routes of signed-in pages (Security info now, the admin portal later). Each route declares
// its guards here instead of repeating them in its handler:
//   - signed in: no live session goes to Sign in; a store that could not say (the database
//     blinked) gets the failure page (503), so a person is never signed out by an outage;
//   - CSRF: every POST carries the session's token, or gets the route's `on_bad_csrf` answer;
//   - fresh MFA (post_fresh): changes to security info need a proof of identity within the last
//     10 minutes (SecurityInfoService::check_fresh_proof), or get the route's `on_stale` answer;
//   - role (for_role): the admin portal's routes need the signed-in user to hold the role now
//     (read at every request, so a demotion takes effect at once), or get 403 "No access".
// Handlers run on the blocking pool (they read the session from the database).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "http/pages/web_context.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"

namespace tessera {

// Who is signed in: their session and its cookie's token (what CSRF tokens are bound to).
struct Signed {
  SessionRecord session;
  std::string token;
};

class SignedInRoutes {
 public:
  using Handler = std::function<Response(const Request&, const Signed&)>;

  SignedInRoutes(Router& router, WebContext& context) : router_(router), context_(context) {}

  // GET `path` for a signed-in person.
  void get(std::string path, Handler handler);
  // POST `path` for a signed-in person whose form carries the session's CSRF token; a missing or
  // wrong token gets `on_bad_csrf` (the handler never runs).
  void post(std::string path, Handler handler, Handler on_bad_csrf);
  // post() that also needs a fresh proof of identity; without one, `on_stale`.
  void post_fresh(std::string path, Handler handler, Handler on_bad_csrf, Handler on_stale);

  // The same routes for people holding `role` only: every route added through the result also
  // checks the role, after the session and before CSRF and the handler.
  SignedInRoutes for_role(Role role) const;

 private:
  void add(HttpMethod method, std::string path, Handler handler, Handler on_bad_csrf,
           Handler on_stale);

  Router& router_;
  WebContext& context_;
  std::optional<Role> role_;
};

// 403: the signed-in person lacks the role a page needs.
Response no_access_page(WebContext& context);

}  // namespace tessera
