// Checks of the web addresses apps give tessera to send browsers to (redirect URIs, forward
// auth's rd=), and adding parameters to them. One parser (Boost.URL) and one set of rules, so no
// address passes one check and fails another.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera {

// The lower-cased host of an absolute http(s) URL whose authority is exactly host[:port] (no
// user info) and whose path is empty or starts with '/'; empty for anything else. (Boost.URL
// 1.81 reads "http://127.0.0.1.evil.example/" as host 127.0.0.1 and path ".evil.example/": the
// path check refuses it.)
std::string web_host_of(std::string_view url);

// `url` with `fields` appended to its query, each name and value percent-encoded except for
// RFC 3986's unreserved characters (so a '+' arrives as a '+', never as a space).
std::string with_query(std::string_view url,
                       const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace tessera
