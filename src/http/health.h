// The liveness/readiness probe for load balancers and orchestrators.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "base/status.h"
#include "http/router.h"

namespace tessera {

// Runs a health check on a thread of its own, never on the caller's. A caller waits at most
// `bound` for the outcome of a check that began after it asked or is running already; callers at
// the same moment share that one check. So a check that hangs (a paused database) holds no caller
// for longer than `bound`, and a burst of probes costs one check. Thread-safe.
class HealthProbe {
 public:
  HealthProbe(std::function<Status()> check, std::chrono::milliseconds bound);
  ~HealthProbe();
  HealthProbe(const HealthProbe&) = delete;
  HealthProbe& operator=(const HealthProbe&) = delete;

  // The check's outcome, or unavailable when none came within the bound. A change between healthy
  // and not is logged (event "health_changed", with the check's own message when it failed).
  Status status();

 private:
  void run();

  std::function<Status()> check_;
  std::chrono::milliseconds bound_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t wanted_ = 0;    // the newest check a caller waits for
  std::uint64_t finished_ = 0;  // the newest check that finished
  bool running_ = false;
  bool stopping_ = false;
  Status last_;
  bool last_ok_ = true;  // what was logged last
  std::thread thread_;
};

// Adds GET (and so HEAD) /healthz, run on the blocking pool: 200 {"status":"ok"} when the probe
// says ok, else 503 {"status":"unavailable"} with Retry-After; both application/json. The reason
// stays in the server's log: a public probe must not show database hosts or driver messages.
void add_health_route(Router& router, HealthProbe& probe);

}  // namespace tessera
