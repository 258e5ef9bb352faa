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

// The {name} segments of a route pattern and what the request's path had there.
using PathParams = std::vector<std::pair<std::string, std::string>>;

// Its body and parsed form may hold a password or a code: both are wiped when the Request dies.
struct Request {
  Request() = default;
  Request(const Request&) = default;
  Request(Request&&) = default;
  Request& operator=(const Request&) = default;
  Request& operator=(Request&&) = default;
  ~Request();

  HttpMethod method = HttpMethod::get;
  std::string target;      // path and query exactly as received, e.g. "/a%20b?x=1"
  std::string path;        // percent-decoded path without the query, e.g. "/a b"
  std::string query;       // the raw query after '?', without the '?'; empty when absent
  PathParams path_params;  // set by the router for a pattern route ("/admin/users/{id}")
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
  // Parsed on first use and kept: set the body and headers before.
  const std::map<std::string, std::string>& form_params() const;
  // A form field, "" when absent.
  const std::string& form_field(const std::string& name) const;
  // A path parameter of the route's pattern, "" when absent.
  const std::string& path_param(std::string_view name) const;

 private:
  mutable std::optional<std::map<std::string, std::string>> form_;
};

// Decodes %XX escapes in a path (Boost.URL; '+' stays a '+'). Text with a malformed escape ("%zz",
// a trailing "%") is returned as it came, undecoded; the result may contain any byte.
std::string percent_decode(std::string_view text);

// Parses "a=1&b=x+y&c=%2F" (application/x-www-form-urlencoded) with Boost.URL: pairs split on
// '&', name and value split on the first '=', both percent-decoded with '+' as a space. A name
// without '=' gets an empty value; empty names are skipped; when a name repeats, the first
// occurrence wins. Text that is not a valid query (a malformed escape such as "%zz", a raw space
// or control byte) gives nothing at all: a hostile form is refused whole, never half-read.
std::map<std::string, std::string> parse_urlencoded(std::string_view text);
// Every name=value pair of `text` in order, repeats included (what a webhook signature covers);
// empty when it is not a valid query.
std::vector<std::pair<std::string, std::string>> parse_urlencoded_pairs(std::string_view text);

}  // namespace tessera
