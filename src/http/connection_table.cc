#include "http/connection_table.h"

namespace tessera {
namespace {

// "Near the limit" starts at three quarters: early enough that idle connections are recycled
// before new ones are refused, late enough that a normal load keeps its long keep-alive.
bool at_least_three_quarters(std::size_t count, std::size_t limit) {
  return limit > 0 && count * 4 >= limit * 3;
}

}  // namespace

ConnectionTable::Admission ConnectionTable::admit(const std::string& client) {
  std::lock_guard lock(mutex_);
  Admission admission;
  auto counted = per_client_.find(client);
  const std::size_t from_client = counted == per_client_.end() ? 0 : counted->second;
  if (limits_.max_connections_per_client > 0 && from_client >= limits_.max_connections_per_client) {
    admission.verdict = Verdict::too_many_from_client;
    return admission;
  }
  if (entries_.size() >= limits_.max_connections) {
    if (idle_.empty()) {
      admission.verdict = Verdict::too_many_connections;
      return admission;
    }
    admission.evict = idle_.front();
    stop_idling(entries_.at(idle_.front()));
  }
  admission.id = ++last_id_;
  entries_.emplace(admission.id, Entry{client, std::nullopt});
  if (counted == per_client_.end()) {
    per_client_.emplace(client, 1);
  } else {
    ++counted->second;
  }
  return admission;
}

void ConnectionTable::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(id);
  if (found == entries_.end()) return;
  stop_idling(found->second);
  auto counted = per_client_.find(found->second.client);
  if (--counted->second == 0) per_client_.erase(counted);
  entries_.erase(found);
}

void ConnectionTable::set_idle(std::uint64_t id, bool idle) {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(id);
  if (found == entries_.end()) return;
  Entry& entry = found->second;
  if (!idle) return stop_idling(entry);
  if (entry.idle) return;
  entry.idle = idle_.insert(idle_.end(), id);
}

bool ConnectionTable::crowded(std::uint64_t id) const {
  std::lock_guard lock(mutex_);
  if (at_least_three_quarters(entries_.size(), limits_.max_connections)) return true;
  auto found = entries_.find(id);
  if (found == entries_.end()) return false;
  return at_least_three_quarters(per_client_.at(found->second.client),
                                 limits_.max_connections_per_client);
}

std::size_t ConnectionTable::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t ConnectionTable::from_client(const std::string& client) const {
  std::lock_guard lock(mutex_);
  auto counted = per_client_.find(client);
  return counted == per_client_.end() ? 0 : counted->second;
}

void ConnectionTable::stop_idling(Entry& entry) {
  if (!entry.idle) return;
  idle_.erase(*entry.idle);
  entry.idle.reset();
}

}  // namespace tessera
