#include "base/clock.h"

#include <charconv>
#include <fcntl.h>
#include <unistd.h>

namespace tessera {

Timestamp SystemClock::now() const {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

Timestamp ManualClock::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

void ManualClock::set(Timestamp t) {
  std::lock_guard lock(mutex_);
  now_ = t;
}

void ManualClock::advance(std::chrono::seconds by) {
  std::lock_guard lock(mutex_);
  now_ += by;
}

Timestamp FileClock::now() const {
  char buffer[32];
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return SystemClock().now();
  const ssize_t length = ::read(fd, buffer, sizeof buffer);
  ::close(fd);
  std::int64_t seconds = 0;
  if (length <= 0) return SystemClock().now();
  const char* end = buffer + length;
  while (end > buffer && (end[-1] == '\n' || end[-1] == ' '))
    --end;
  const auto parsed = std::from_chars(buffer, end, seconds);
  if (parsed.ec != std::errc() || parsed.ptr != end) return SystemClock().now();
  return from_unix_seconds(seconds);
}

}  // namespace tessera
