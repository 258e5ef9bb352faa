// An HTTP request as handlers see it: a plain value, parsed and size-limited by the server before a
// handler runs. Nothing here touches the network.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera {

enum class HttpMethod { get, head, post, put, patch, delete_, options, other };

// "GET", "HEAD", …; "OTHER" for HttpMethod::other.
std::string_view method_name(HttpMethod method);

struct Request {
  HttpMethod method = HttpMethod::get;
  std::string target;  // path and query exactly as received, e.g. "/a%20b?x=1"
  std::string path;    // percent-decoded path without the query, e.g. "/a b"
  std::string query;   // the raw query after '?', without the '?'; empty when absent
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, in arrival order
  std::string body;
  // The TCP peer's address as text ("127.0.0.1"): a proxy, when there is one. Handlers want
  // client_ip instead.
  std::string peer_address;
  // Who the request is from, as the server decided once for every use (http/client_address.h):
  // the peer, or what a trusted proxy forwarded.
  std::string client_ip;
  bool https = false;  // the client used HTTPS, as a trusted proxy said (tessera speaks HTTP)

  // The value of the first header named `lower_name` (which must be lower-case), if any.
  // The view points into this Request.
  std::optional<std::string_view> header(std::string_view lower_name) const;
  // parse_urlencoded(query).
  std::map<std::string, std::string> query_params() const;
  // parse_urlencoded(body) when Content-Type is application/x-www-form-urlencoded, else empty.
  std::map<std::string, std::string> form_params() const;
};

// Decodes %XX escapes (and '+' as a space when `plus_is_space`). A malformed escape ("%zz", a
// trailing "%") is kept literally; the result may contain any byte.
std::string percent_decode(std::string_view text, bool plus_is_space = false);

// Parses "a=1&b=x+y&c=%2F" (application/x-www-form-urlencoded): pairs split on '&', name and value
// split on the first '=', both percent-decoded with '+' as a space. A name without '=' gets an
// empty value; empty pieces are skipped; when a name repeats, the first occurrence wins.
std::map<std::string, std::string> parse_urlencoded(std::string_view text);

}  // namespace tessera
