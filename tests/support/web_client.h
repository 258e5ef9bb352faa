// A browser without a screen, for driving tessera's pages over real HTTP in tests: it keeps
// cookies as a browser would (Set-Cookie in, Cookie out, Max-Age=0 deletes), and submits a page's
// form with its hidden fields (csrf, step) as a person pressing its button would. Redirects are
// not followed unless asked, so a test sees where each answer points.
//
// One Browser is one person's browser: not thread-safe. Several Browsers may run in parallel.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "support/http_client.h"

namespace tessera::testing {

using FormFields = std::vector<std::pair<std::string, std::string>>;

struct WebPage {
  int status = 0;  // 0 when the server did not answer
  ClientResponse response;

  const std::string& body() const { return response.body; }
  std::string location() const { return response.header("location"); }
  bool contains(std::string_view text) const;
  // Text of the first <h1>, entities decoded; "" when none.
  std::string heading() const;
  // Text of the role="alert" element (an error or notice); "" when none.
  std::string alert() const;
  // The value of the (first) <input name="NAME" value="…">; "" when none.
  std::string input(std::string_view name) const;
  // The first <form method="post">'s action; "" when none.
  std::string form_action() const;
  // The authenticator secret under "Can't scan the image?", without spaces; "" when none.
  std::string totp_secret() const;
};

class Browser {
 public:
  // `extra_headers` go with every request, each ending in "\r\n" (e.g. "X-Forwarded-Proto:
  // https\r\n").
  explicit Browser(std::uint16_t port, std::string extra_headers = "");

  WebPage get(std::string_view target);
  // POSTs exactly `fields` (url-encoded) with this browser's cookies.
  WebPage post(std::string_view target, const FormFields& fields);
  // Submits the form of `page`: its action with its csrf and step, plus `fields`.
  WebPage submit(const WebPage& page, const FormFields& fields = {});
  // Follows Location from a 3xx with GETs (at most 5); other pages come back as they are.
  WebPage follow(WebPage page);
  // The bytes submit() would send, for a test that sends them on connections of its own (e.g.
  // hundreds at once); the response's cookies are then not taken.
  std::string submission(const WebPage& page, const FormFields& fields = {}) const;

  // Cookie values by name as the server set them (with any __Host- prefix).
  std::map<std::string, std::string>& cookies() { return cookies_; }
  std::string cookie(const std::string& name) const;
  void set_port(std::uint16_t port) { port_ = port; }
  // Connect from this source address (see TestConnection), e.g. "127.0.0.2"; "" = the default.
  void set_source_address(std::string address) { source_address_ = std::move(address); }

 private:
  WebPage request(std::string_view method, std::string_view target, std::string_view body);
  std::string request_bytes(std::string_view method, std::string_view target,
                            std::string_view body) const;
  void take_cookies(const ClientResponse& response);

  std::uint16_t port_;
  std::string extra_headers_;
  std::string source_address_;
  std::map<std::string, std::string> cookies_;
};

// application/x-www-form-urlencoded encoding of one value.
std::string form_encode(std::string_view text);

// The code an authenticator app shows at `when` for a base32 secret (RFC 6238, SHA-1, 6 digits).
std::string totp_code(std::string_view base32_secret, Timestamp when);

}  // namespace tessera::testing
