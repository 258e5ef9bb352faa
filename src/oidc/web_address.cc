#include "oidc/web_address.h"

#include <algorithm>

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace tessera {

std::string web_host_of(std::string_view url) {
  const auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "";
  if (parsed->scheme() != "https" && parsed->scheme() != "http") return "";
  if (!parsed->has_authority() || parsed->has_userinfo()) return "";
  const std::string_view path = parsed->encoded_path();
  if (!path.empty() && path.front() != '/') return "";
  std::string host(parsed->encoded_host());
  // The authority must be the host and the port, nothing the parser set aside.
  std::string authority = host;
  if (parsed->has_port()) authority += ":" + std::string(parsed->port());
  if (authority != parsed->encoded_authority()) return "";
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

std::string with_query(std::string_view url,
                       const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out(url);
  bool first = out.find('?') == std::string::npos;
  for (const auto& [name, value] : fields) {
    out += first ? '?' : '&';
    first = false;
    out += boost::urls::encode(name, boost::urls::unreserved_chars);
    out += '=';
    out += boost::urls::encode(value, boost::urls::unreserved_chars);
  }
  return out;
}

}  // namespace tessera
