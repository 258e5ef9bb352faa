// Throttles (domain/throttle.h): every counter of attempts, under one key each. Part of the Store
// (storage/store.h), whose contracts apply. Counting and resetting are written like flows: outside
// a transaction they skip the wait for the disk, so a power cut may forget a few recent attempts.
#pragma once

#include <optional>
#include <string>

#include "base/clock.h"
#include "base/result.h"
#include "domain/throttle.h"

namespace tessera {

struct ThrottleKey {
  std::string key;      // what is counted; service/throttles.h names them
  std::string user_id;  // the user the counter belongs to (deleted with them), or empty
};

class ThrottleStore {
 public:
  virtual ~ThrottleStore() = default;

  // Counts one attempt before it is checked, atomically, so parallel requests on any node get no
  // more attempts past the limit than `rule` allows: the attempt as counted (the one that reaches
  // the limit starts the lock in the same statement; a right answer lifts it with
  // reset_throttle). nullopt, without counting, while a lock holds at `now`. not_found when
  // key.user_id names no user.
  virtual Result<std::optional<CountedAttempt>> count_attempt(const ThrottleKey& key, Timestamp now,
                                                              const ThrottleRule& rule) = 0;
  // The throttle as stored, nullopt when nothing was counted (or it was reset or forgotten).
  virtual Result<std::optional<ThrottleState>> find_throttle(const std::string& key) = 0;
  // Forgets the count and lifts the lock; ok when there was none.
  virtual Status reset_throttle(const std::string& key) = 0;
  // Resets every throttle of the user whose key starts with `prefix` (e.g. "password:", the
  // account's and each familiar network's password counters).
  virtual Status reset_user_throttles(const std::string& user_id, const std::string& prefix) = 0;
  // Locks the key until `locked_until`, keeping its count (an admin's or a test's lock).
  virtual Status lock_throttle(const ThrottleKey& key, Timestamp locked_until) = 0;
  // Throttles whose rule forgets them once idle, idle at `now` and locking nothing; their number.
  virtual Result<std::int64_t> forget_idle_throttles(Timestamp now) = 0;
};

}  // namespace tessera
