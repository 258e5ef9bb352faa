// Who sent a request, decided in one place for every use (throttles, familiar networks, trusted IP
// ranges, the sign-in log, the access log, Secure cookies): the TCP peer, unless the peer is a
// trusted proxy, whose X-Forwarded-For and X-Forwarded-Proto are then believed.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "domain/ip_range.h"

namespace tessera {

struct ClientAddress {
  std::string ip;      // the client's address as text ("203.0.113.9"), or the peer's as given
  bool https = false;  // a trusted proxy said the client used HTTPS
  // The peer is not trusted yet sent X-Forwarded-For or X-Forwarded-Proto: ignored (worth a
  // warning, since it is either a spoof or a proxy missing from trusted_proxies).
  bool forwarded_ignored = false;
};

class TrustedProxies {
 public:
  TrustedProxies() = default;  // none: forwarded headers are never believed
  explicit TrustedProxies(std::vector<IpRange> ranges) : ranges_(std::move(ranges)) {}

  bool empty() const { return ranges_.empty(); }
  bool contains(const IpAddress& address) const;

  // The request's client. From a trusted peer: the rightmost X-Forwarded-For address (all such
  // headers, in order, as one comma-separated list) that is not itself a trusted proxy, walking
  // left over trusted ones; an entry that is not an address ends the walk at the hop that added
  // it; when every entry is trusted, the leftmost. X-Forwarded-Proto: its first value, "https" in
  // any case. From any other peer, neither header counts. `headers` have lower-case names.
  ClientAddress resolve(std::string_view peer,
                        const std::vector<std::pair<std::string, std::string>>& headers) const;

 private:
  std::vector<IpRange> ranges_;
};

}  // namespace tessera
