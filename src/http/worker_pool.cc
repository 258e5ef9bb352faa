#include "http/worker_pool.h"

#include <exception>
#include <utility>

#include "base/log.h"

namespace tessera {

WorkerPool::WorkerPool(int threads, std::size_t queue_limit) : queue_limit_(queue_limit) {
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  thread_count_ = static_cast<std::size_t>(threads);
  idle_workers_ = thread_count_;  // counted idle from the start, so a job is accepted at once
  threads_.reserve(thread_count_);
  for (std::size_t i = 0; i < thread_count_; ++i)
    threads_.emplace_back([this] { run_worker(); });
}

WorkerPool::~WorkerPool() {
  stop();
}

bool WorkerPool::try_submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= idle_workers_ + queue_limit_) return false;
    queue_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void WorkerPool::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  std::lock_guard join_lock(join_mutex_);
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

std::size_t WorkerPool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void WorkerPool::run_worker() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to drain
    std::function<void()> job = std::move(queue_.front());
    queue_.pop_front();
    --idle_workers_;
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {
      log_event(LogLevel::error, "worker_job_failed", {{"error", e.what()}});
    } catch (...) {
      log_event(LogLevel::error, "worker_job_failed", {{"error", "unknown exception"}});
    }
    job = nullptr;  // destroy captures before counting this thread idle again
    lock.lock();
    ++idle_workers_;
  }
}

}  // namespace tessera
