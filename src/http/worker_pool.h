// A fixed set of threads for handlers that block (database, password hashing), so io threads keep
// serving. The queue is bounded: when it is full the caller sheds load (the server answers 503)
// instead of letting latency grow without limit.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera {

// Thread-safe.
class WorkerPool {
 public:
  // Starts `threads` threads (0 = std::thread::hardware_concurrency(), at least 1). At most
  // `queue_limit` accepted jobs wait for a thread beyond those an idle thread is about to take, so
  // with queue_limit 0 a job is accepted only when a thread is free.
  WorkerPool(int threads, std::size_t queue_limit);
  // stop().
  ~WorkerPool();

  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Queues `job`, or returns false (dropping it) when the queue is full or the pool is stopped.
  // An accepted job always runs, even if stop() is called first. A job that throws is logged.
  bool try_submit(std::function<void()> job);

  // Refuses new jobs, runs the ones already accepted, and joins the threads. Idempotent. Must not
  // be called from a job.
  void stop();

  // Jobs accepted but not yet started.
  std::size_t queued() const;
  int thread_count() const { return static_cast<int>(thread_count_); }

 private:
  void run_worker();

  const std::size_t queue_limit_;
  std::size_t thread_count_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  std::size_t idle_workers_ = 0;  // threads not running a job
  bool stopping_ = false;

  std::mutex join_mutex_;
  std::vector<std::thread> threads_;
};

}  // namespace tessera
