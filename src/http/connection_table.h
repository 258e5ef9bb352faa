// The admission policy for the server's connections: how many are open in all and per client,
// which kept-alive connections wait idle for their next request (longest-waiting first), and
// whether a new connection may open. It knows no sockets, so the policy is testable on its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace tessera {

// Thread-safe.
class ConnectionTable {
 public:
  struct Limits {
    std::size_t max_connections = 10000;
    std::size_t max_connections_per_client = 0;  // 0 = no cap per client
  };

  enum class Verdict { admitted, too_many_connections, too_many_from_client };

  struct Admission {
    Verdict verdict = Verdict::admitted;
    std::uint64_t id = 0;  // the new connection's id when admitted; ids are never reused
    // When admitted at max_connections: the kept-alive connection that has waited idle longest,
    // which the caller should close to make room. It stays counted until remove(); until then
    // the table holds one more than max_connections.
    std::optional<std::uint64_t> evict;
  };

  explicit ConnectionTable(Limits limits) : limits_(limits) {}

  // A connection from `client` (a key such as an IP address). Refused when the client already
  // holds max_connections_per_client, or when max_connections are open and none is idle.
  Admission admit(const std::string& client);
  // Forgets connection `id`; a no-op for an unknown id.
  void remove(std::uint64_t id);
  // Connection `id` (kept alive) now waits for its next request (true), or that request has begun
  // (false). Only idle connections are evicted. A no-op for an unknown id.
  void set_idle(std::uint64_t id, bool idle);
  // True when the server holds at least three quarters of max_connections, or connection `id`'s
  // client three quarters of max_connections_per_client: time to keep idle connections short.
  bool crowded(std::uint64_t id) const;

  std::size_t size() const;
  std::size_t from_client(const std::string& client) const;

 private:
  struct Entry {
    std::string client;
    std::optional<std::list<std::uint64_t>::iterator> idle;  // its place in idle_
  };

  void stop_idling(Entry& entry);  // requires mutex_

  const Limits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, Entry> entries_;
  std::map<std::string, std::size_t, std::less<>> per_client_;
  std::list<std::uint64_t> idle_;  // idle kept-alive connections, longest-waiting first
  std::uint64_t last_id_ = 0;
};

}  // namespace tessera
