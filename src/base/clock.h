// Time is injected: domain and service code take a `now` or a Clock&, never read the system clock,
// so tests of expiry, code windows and lockout are exact.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace tessera {

using Timestamp = std::chrono::sys_seconds;  // whole seconds since the Unix epoch, UTC

inline std::int64_t to_unix_seconds(Timestamp t) {
  return t.time_since_epoch().count();
}
inline Timestamp from_unix_seconds(std::int64_t seconds) {
  return Timestamp(std::chrono::seconds(seconds));
}

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp now() const = 0;
};

// The real wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  Timestamp now() const override;
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_(start) {}
  Timestamp now() const override;
  void set(Timestamp t);
  void advance(std::chrono::seconds by);

 private:
  mutable std::mutex mutex_;
  Timestamp now_;
};

// A clock for tests of whole processes (the server and the CLI beside it): every now() reads the
// Unix seconds written in `path`, so a test moves time for all of them by rewriting one file. Falls
// back to the system clock while the file is missing or unreadable. Thread-safe. Only wired in when
// TESSERA_TEST_CLOCK_FILE is set (src/app/runtime.cc), which the server announces in its log.
class FileClock final : public Clock {
 public:
  explicit FileClock(std::string path) : path_(std::move(path)) {}
  Timestamp now() const override;

 private:
  std::string path_;
};

inline constexpr const char* kTestClockEnvironmentVariable = "TESSERA_TEST_CLOCK_FILE";

}  // namespace tessera
