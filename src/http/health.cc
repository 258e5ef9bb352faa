#include "http/health.h"

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>

namespace tessera {
namespace {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out.push_back(c);
        }
    }
  }
  out += '"';
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
