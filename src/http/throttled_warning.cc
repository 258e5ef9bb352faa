#include "http/throttled_warning.h"

#include <vector>

namespace tessera {

bool ThrottledWarning::warn(std::initializer_list<LogField> fields, SteadyClock::time_point now) {
  std::size_t suppressed = 0;
  {
    std::lock_guard lock(mutex_);
    if (last_logged_ && now - *last_logged_ < interval_) {
      ++suppressed_;
      return false;
    }
    last_logged_ = now;
    suppressed = suppressed_;
    suppressed_ = 0;
  }
  std::vector<LogField> all(fields);
  const std::string count = std::to_string(suppressed);
  if (suppressed > 0) all.emplace_back("suppressed", count);
  log_event(LogLevel::warn, event_, std::span<const LogField>(all));
  return true;
}

}  // namespace tessera
