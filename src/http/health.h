// The liveness/readiness probe for load balancers and orchestrators.
#pragma once

#include <functional>

#include "base/status.h"
#include "http/router.h"

namespace tessera {

// Adds GET (and so HEAD) /healthz: 200 {"status":"ok"} when `check` returns ok, else
// 503 {"status":"unavailable","error":"<check's message>"}, both application/json. `check` runs on
// an io thread, so it must be quick (e.g. a cached flag or a cheap ping); a throwing check is a
// 500.
void add_health_route(Router& router, std::function<Status()> check);

}  // namespace tessera
