// The page groups, each registered by its own file, and what they share.
#pragma once

#include "http/pages/render.h"
#include "http/pages/web_context.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"
#include "methods/sign_in_method.h"
#include "oidc/forward_auth.h"
#include "oidc/provider.h"
#include "service/sign_in_service.h"

namespace tessera {

void add_sign_in_routes(Router& router, WebContext& context);
void add_security_info_routes(Router& router, WebContext& context);
// GET and POST /report: "This wasn't me" from a sign-in email.
void add_report_routes(Router& router, WebContext& context);
// "Forgot my password": /signin/forgot and its steps.
void add_password_reset_routes(Router& router, WebContext& context);
// The OpenID Connect provider (when context.oidc is set): discovery, JWKS, /authorize, /token,
// /userinfo, /introspect, /revoke, /logout.
void add_oidc_routes(Router& router, WebContext& context);
// GET /auth/verify (when context.forward_auth is set).
void add_forward_auth_routes(Router& router, WebContext& context);
// Where a sign-in for an app goes once signed in (SignInFlow::continuation): back to the app
// with its code, or to the forward-auth URL; nullopt for a flow of no app.
std::optional<Response> continue_to_app(const Request& request, WebContext& context,
                                        const SignInPage& page);
// Widens `response`'s Content-Security-Policy form-action to the origin the sign-in `continuation`
// returns to (an app's redirect URI, a forward-auth address), when it names one.
void allow_app_form_target(Response& response, std::string_view continuation);
// The response for an OpenID Connect browser outcome (a redirect to the app, a form_post page,
// the sign-in pages, an error page, the sign-out pages).
Response browser_response(const Request& request, WebContext& context,
                          const BrowserOutcome& outcome);

// The response for where a sign-in flow stands: its page with the flow cookie, or — once signed
// in — the session cookie and a redirect to Security info.
Response sign_in_response(const Request& request, WebContext& context, const SignInPage& page);

// A sign-in method's page: `view` (the method's own template, or one of the pages') inside the
// layout, with `data` (csrf, action, step… set by the caller) and the view's values.
Response method_page(int status, const SignInMethod& method, const MethodView& view, PageData data,
                     std::string_view tenant);

// The methods offered to choose from (kind names, in order), as the radio items of choose_method
// (the first one checked).
PageData method_choices(const std::vector<std::string>& kinds, const MethodRegistry& methods);

// The sentence "Update your password" (and "Choose a new password") shows for a refused one.
std::string_view password_problem_text(const PasswordProblem& problem);

// "Too many wrong codes. Your account is locked for N minutes." — the one wording of the per-user
// code lockout, on the sign-in pages and on Security info alike.
std::string code_lockout_message(int minutes);

// What a page says of the message its stage sent, when it was refused or could not be sent ("We
// couldn't send a code…"); empty otherwise. The one wording, at sign-in and on Security info.
std::string delivery_message(const std::optional<SendRefusal>& refused,
                             const std::optional<DeliveryOutcome>& delivery);

// A short page saying something went wrong on our side (details are logged, never shown).
Response failure_page(WebContext& context, const Status& status);

// "Too many sign-ins right now": 503 with Retry-After, for a sign-in request its pool refused (a
// flood of passwords). Fast and free of I/O, since it runs on the io thread; its "Try again" link
// leads back to the step the flow is at.
Response busy_page(const Request& request, WebContext& context);

}  // namespace tessera
