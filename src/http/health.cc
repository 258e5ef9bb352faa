#include "http/health.h"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "base/log.h"

namespace tessera {

HealthProbe::HealthProbe(std::function<Status()> check, std::chrono::milliseconds bound)
    : check_(std::move(check)), bound_(bound), thread_([this] { run(); }) {}

HealthProbe::~HealthProbe() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

Status HealthProbe::status() {
  std::unique_lock lock(mutex_);
  // A check under way counts: it is at most one check old. Otherwise ask for the next.
  const std::uint64_t target = running_ ? finished_ + 1 : std::max(wanted_, finished_ + 1);
  wanted_ = std::max(wanted_, target);
  changed_.notify_all();
  if (!changed_.wait_for(lock, bound_, [&] { return finished_ >= target; })) {
    return unavailable("the health check did not finish within " + std::to_string(bound_.count()) +
                       " ms");
  }
  return last_;
}

void HealthProbe::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || wanted_ > finished_; });
    if (stopping_) return;
    const std::uint64_t serving = wanted_;
    running_ = true;
    lock.unlock();
    Status outcome;
    try {
      outcome = check_();
    } catch (const std::exception& error) {
      outcome = internal_error(std::string("the health check threw: ") + error.what());
    }
    lock.lock();
    running_ = false;
    finished_ = serving;
    if (outcome.ok() != last_ok_) {
      last_ok_ = outcome.ok();
      if (last_ok_) {
        log_event(LogLevel::info, "health_changed", {{"status", "ok"}});
      } else {
        log_event(LogLevel::warn, "health_changed",
                  {{"status", "unavailable"}, {"error", outcome.to_string()}});
      }
    }
    last_ = std::move(outcome);
    changed_.notify_all();
  }
}

void add_health_route(Router& router, HealthProbe& probe) {
  router.add(
      HttpMethod::get, "/healthz",
      [&probe](const Request&) {
        if (probe.status().ok()) return Response::json(200, R"({"status":"ok"})");
        Response response = Response::json(503, R"({"status":"unavailable"})");
        response.set_header("Retry-After", "5");
        return response;
      },
      Dispatch::blocking,
      [](const Request&) {
        Response response = Response::json(503, R"({"status":"busy"})");
        response.set_header("Retry-After", "5");
        return response;
      });
}

}  // namespace tessera
