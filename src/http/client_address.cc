#include "http/client_address.h"

#include <algorithm>

#include "base/text.h"

namespace tessera {
namespace {

// At most this many X-Forwarded-For entries are looked at, from the right: a longer chain of
// trusted proxies does not exist, and the header size is bounded anyway.
constexpr std::size_t kMaxHops = 32;

// One X-Forwarded-For entry: an address, optionally "[v6]" or "[v6]:port" or "v4:port" (some
// proxies add the client's port).
Result<IpAddress> entry_address(std::string_view entry) {
  entry = trim_blanks(entry);
  if (entry.starts_with('[')) {
    const std::size_t close = entry.find(']');
    if (close == std::string_view::npos) return invalid_argument("unclosed [");
    return IpAddress::parse(entry.substr(1, close - 1));
  }
  if (std::count(entry.begin(), entry.end(), ':') == 1) entry = entry.substr(0, entry.find(':'));
  return IpAddress::parse(entry);
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

}  // namespace

bool TrustedProxies::contains(const IpAddress& address) const {
  return std::any_of(ranges_.begin(), ranges_.end(),
                     [&](const IpRange& range) { return range.contains(address); });
}

ClientAddress TrustedProxies::resolve(
    std::string_view peer, const std::vector<std::pair<std::string, std::string>>& headers) const {
  ClientAddress client{std::string(peer), false, false};
  const auto peer_address = IpAddress::parse(peer);
  const bool trusted = peer_address.ok() && contains(*peer_address);
  std::vector<std::string_view> hops;
  std::string_view proto;
  bool proto_seen = false;
  for (const auto& [name, value] : headers) {
    if (name == "x-forwarded-for") {
      if (!trusted) {
        client.forwarded_ignored = true;
        continue;
      }
      std::string_view rest = value;
      for (;;) {
        const std::size_t comma = rest.find(',');
        hops.push_back(rest.substr(0, comma));
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
    } else if (name == "x-forwarded-proto") {
      if (!trusted) {
        client.forwarded_ignored = true;
      } else if (!proto_seen) {
        proto_seen = true;
        proto = trim_blanks(std::string_view(value).substr(0, value.find(',')));
      }
    }
  }
  if (!trusted) return client;
  client.https = iequals(proto, "https");
  const std::size_t first = hops.size() > kMaxHops ? hops.size() - kMaxHops : 0;
  for (std::size_t i = hops.size(); i > first; --i) {
    const auto hop = entry_address(hops[i - 1]);
    if (!hop.ok()) break;
    client.ip = hop->to_string();
    if (!contains(*hop)) break;
  }
  return client;
}

}  // namespace tessera
