#include "http/pages/cookies.h"

#include "base/time_format.h"

namespace tessera {
namespace {

std::string& session_domain() {
  static std::string domain;
  return domain;
}

bool shared(std::string_view name) {
  return name == kSessionCookie && !session_domain().empty();
}

// A cookie shared with a parent domain cannot be __Host- (which forbids Domain); __Secure- still
// keeps a plain-http page from setting it.
std::string cookie_name(const Request& request, std::string_view name) {
  if (!request_is_https(request)) return std::string(name);
  return (shared(name) ? "__Secure-" : "__Host-") + std::string(name);
}

std::string domain_attribute(std::string_view name) {
  return shared(name) ? "; Domain=" + session_domain() : std::string();
}

// RFC 7231 IMF-fixdate, as cookies want.
std::string http_date(Timestamp t) {
  const std::time_t seconds = static_cast<std::time_t>(to_unix_seconds(t));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buffer;
}

void add_set_cookie(Response& response, std::string value) {
  response.headers.emplace_back("Set-Cookie", std::move(value));
}

}  // namespace

void share_session_cookie_with(std::string domain) {
  session_domain() = std::move(domain);
}

bool request_is_https(const Request& request) {
  return request.https;
}

std::string cookie_value(const Request& request, std::string_view name) {
  // Over HTTPS only the __Host- name counts: a sibling host can plant a plain cookie (with
  // Domain=.example.com) but never a __Host- one, so a planted flow id is never read.
  const std::string wanted = cookie_name(request, name);
  std::string found;
  for (const auto& [header, value] : request.headers) {
    if (header != "cookie") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      const std::size_t end = rest.find(';');
      std::string_view pair = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      while (!pair.empty() && pair.front() == ' ')
        pair.remove_prefix(1);
      const std::size_t equals = pair.find('=');
      if (equals == std::string_view::npos) continue;
      const std::string_view key = pair.substr(0, equals);
      if (key == wanted && found.empty()) found = std::string(pair.substr(equals + 1, 256));
    }
  }
  return found;
}

void set_cookie(Response& response, const Request& request, std::string_view name,
                std::string_view value, std::optional<Timestamp> expires) {
  std::string cookie =
      cookie_name(request, name) + "=" + std::string(value) + "; Path=/; HttpOnly; SameSite=Lax";
  cookie += domain_attribute(name);
  if (request_is_https(request)) cookie += "; Secure";
  if (expires) cookie += "; Expires=" + http_date(*expires);
  add_set_cookie(response, std::move(cookie));
}

void clear_cookie(Response& response, const Request& request, std::string_view name) {
  std::string cookie = cookie_name(request, name) +
                       "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; "
                       "Expires=Thu, 01 Jan 1970 00:00:00 GMT";
  cookie += domain_attribute(name);
  if (request_is_https(request)) cookie += "; Secure";
  add_set_cookie(response, std::move(cookie));
}

}  // namespace tessera
