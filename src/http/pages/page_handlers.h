// The page groups, each registered by its own file, and what they share.
#pragma once

#include "http/pages/render.h"
#include "http/pages/web_context.h"
#include "http/request.h"
#include "http/response.h"
#include "http/router.h"
#include "service/sign_in_service.h"

namespace tessera {

void add_sign_in_routes(Router& router, WebContext& context);
void add_security_info_routes(Router& router, WebContext& context);

// The response for where a sign-in flow stands: its page with the flow cookie, or — once signed
// in — the session cookie and a redirect to Security info.
Response sign_in_response(const Request& request, WebContext& context, const SignInPage& page);

// Adds what "Set up your authenticator app" shows for `secret`: the QR code (otpauth URI as SVG)
// and, for "Can't scan the image?", the secret in groups of four and the account name.
void add_authenticator_page_details(PageData& data, const SecretBytes& secret, std::string_view upn,
                                    std::string_view tenant);

// A short page saying something went wrong on our side (details are logged, never shown).
Response failure_page(WebContext& context, const Status& status);

// "Too many sign-ins right now": 503 with Retry-After, for a sign-in request its pool refused (a
// flood of passwords). Fast and free of I/O, since it runs on the io thread; its "Try again" link
// leads back to the step the flow is at.
Response busy_page(const Request& request, WebContext& context);

}  // namespace tessera
