// A throttle counts attempts under one key and locks the key for a while when too many came. It is
// the one primitive behind every limit on attempts (passwords per account, per familiar network,
// per unknown name and per client network; wrong codes per user; sign-ins started per network);
// service/throttles.h names the keys and rules, storage/throttle_store.h counts atomically.
#pragma once

#include <chrono>
#include <optional>

#include "base/clock.h"

namespace tessera {

// Doubling stops at the 12th lock of one count (2^11 times the first).
inline constexpr int kMaxLockouts = 12;

struct ThrottleRule {
  // The attempt that brings the count to a multiple of `limit` starts a lock (when `lock` > 0).
  int limit = 10;
  // > 0: the count starts afresh with the first attempt once `window` has passed since the
  // attempt that began the current count. 0: the count runs until it is reset.
  std::chrono::seconds window{0};
  // How long a lock lasts; 0 never locks (the caller reads the count, e.g. "too many sign-ins").
  std::chrono::seconds lock{0};
  // Each further lock of the same count (the 2nd, 3rd … multiple of `limit`) lasts twice as long
  // as the one before (at most 11 doublings), never longer than `max_lock`.
  bool doubling = false;
  std::chrono::seconds max_lock{24 * 3600};
  // > 0: a counter nobody added to for this long (and that locks nothing) is forgotten by the
  // sweep. 0: kept until reset (or until the user it belongs to is deleted).
  std::chrono::seconds forget_after{0};
};

// An attempt as it was counted: its number, and the lock it started when it reached the limit.
struct CountedAttempt {
  int count = 0;
  std::optional<Timestamp> locked_until;
};

// A throttle as stored: the count so far and the end of its latest lock (maybe past).
struct ThrottleState {
  int count = 0;
  std::optional<Timestamp> locked_until;
};

// The lock a throttle with `rule` starts at the attempt numbered `count` counted at `now`, if it
// starts one. (The store computes the same in SQL, in the statement that counts.)
std::optional<Timestamp> lock_started_at(int count, Timestamp now, const ThrottleRule& rule);

}  // namespace tessera
