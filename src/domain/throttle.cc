#include "domain/throttle.h"

#include <algorithm>
#include <cstdint>

namespace tessera {

std::optional<Timestamp> lock_started_at(int count, Timestamp now, const ThrottleRule& rule) {
  const int limit = std::max(1, rule.limit);
  if (rule.lock.count() <= 0 || count <= 0 || count % limit != 0) return std::nullopt;
  const int lockouts = rule.doubling ? std::min(count / limit, kMaxLockouts) : 1;
  const std::int64_t doubled = rule.lock.count() * (std::int64_t{1} << (lockouts - 1));
  return now + std::chrono::seconds(std::min<std::int64_t>(doubled, rule.max_lock.count()));
}

}  // namespace tessera
