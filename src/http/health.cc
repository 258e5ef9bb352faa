#include "http/health.h"

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

#include "base/log.h"

namespace tessera {
namespace {

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

}  // namespace

void add_health_route(Router& router, std::function<Status()> check) {
  router.add(HttpMethod::get, "/healthz", [check = std::move(check)](const Request&) {
    Status status = check();
    if (status.ok()) return Response::json(200, R"({"status":"ok"})");
    return Response::json(
        503, R"({"status":"unavailable","error":)" + json_string(status.message()) + "}");
  });
}

}  // namespace tessera
