// A warning that can fire thousands of times a second (a flood of connections, a process out of
// file descriptors), logged at most once per interval: the first at once, each later one with how
// many were left out since the one before. The log stays readable and cheap to keep.
#pragma once

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "base/log.h"

namespace tessera {

// Thread-safe.
class ThrottledWarning {
 public:
  using SteadyClock = std::chrono::steady_clock;

  ThrottledWarning(std::string event, SteadyClock::duration interval)
      : event_(std::move(event)), interval_(interval) {}

  // Logs event `fields` at warn level, with "suppressed": N when N were left out since the last
  // one, unless one was logged less than `interval` before `now`; then only counts it. Returns
  // whether it logged.
  bool warn(std::initializer_list<LogField> fields,
            SteadyClock::time_point now = SteadyClock::now());

 private:
  const std::string event_;
  const SteadyClock::duration interval_;
  std::mutex mutex_;
  std::optional<SteadyClock::time_point> last_logged_;
  std::size_t suppressed_ = 0;
};

}  // namespace tessera
