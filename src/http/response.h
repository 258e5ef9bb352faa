// An HTTP response as a handler builds it. The server adds Content-Length,
// X-Content-Type-Options: nosniff, and Cache-Control: no-store unless one is set here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera {

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // sent in this order
  std::string body;

  // Replaces every header named `name` (compared case-insensitively) with this one.
  void set_header(std::string name, std::string value);
  // The value of the first header named `name` (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;

  // Content-Type text/plain; charset=utf-8.
  static Response text(int status, std::string body);
  // Content-Type application/json; `body` must already be JSON.
  static Response json(int status, std::string body);
  // Content-Type text/html; charset=utf-8.
  static Response html(int status, std::string body);
  // An empty response with a Location header; 303 makes the browser follow with a GET.
  static Response redirect(std::string location, int status = 303);
};

}  // namespace tessera
