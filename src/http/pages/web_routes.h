// Registers every page route (sign-in flow, Security info, static files) on a router.
#pragma once

#include "http/pages/web_context.h"
#include "http/router.h"

namespace tessera {

// `context` must outlive the router.
void add_web_routes(Router& router, WebContext& context);

}  // namespace tessera
