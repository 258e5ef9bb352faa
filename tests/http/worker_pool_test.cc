#include "http/worker_pool.h"

#include <atomic>
#include <latch>

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(WorkerPoolQueue, RefusesJobsBeyondQueueLimitAndDrainsOnStop) {
  WorkerPool pool(1, 1);
  std::latch started(1);
  std::latch release(1);
  std::atomic<int> ran{0};
  ASSERT_TRUE(pool.try_submit([&] {
    started.count_down();
    release.wait();
    ++ran;
  }));
  started.wait();
  EXPECT_TRUE(pool.try_submit([&] { ++ran; }));  // waits in the queue
  EXPECT_EQ(pool.queued(), 1u);
  EXPECT_FALSE(pool.try_submit([&] { ++ran; }));  // queue full
  release.count_down();
  pool.stop();
  EXPECT_EQ(ran.load(), 2);
  EXPECT_FALSE(pool.try_submit([] {}));
}

TEST(WorkerPoolQueue, ThrowingJobDoesNotKillTheWorker) {
  WorkerPool pool(1, 4);
  std::atomic<bool> ran{false};
  ASSERT_TRUE(pool.try_submit([] { throw std::runtime_error("boom"); }));
  ASSERT_TRUE(pool.try_submit([&] { ran = true; }));
  pool.stop();
  EXPECT_TRUE(ran.load());
}

}  // namespace
}  // namespace tessera
