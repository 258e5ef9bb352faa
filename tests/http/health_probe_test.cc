#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/health.h"

namespace tessera {
namespace {

TEST(HealthProbe, EachAskGetsTheOutcomeOfACheckBegunAfterIt) {
  std::atomic<int> checks{0};
  std::atomic<bool> healthy{true};
  HealthProbe probe(
      [&]() -> Status {
        ++checks;
        return healthy ? Status() : unavailable("down");
      },
      std::chrono::seconds(30));
  EXPECT_TRUE(probe.status().ok());
  healthy = false;
  EXPECT_EQ(probe.status().code(), ErrorCode::unavailable);
  healthy = true;
  EXPECT_TRUE(probe.status().ok());
  EXPECT_EQ(checks, 3);
}

// Opens the latch however the test ends, so the probe's thread can be joined.
struct OpensAtExit {
  std::latch& latch;
  ~OpensAtExit() {
    if (!latch.try_wait()) latch.count_down();
  }
};

TEST(HealthProbe, AHangingCheckHoldsNoCallerPastTheBound) {
  std::latch release(1);
  std::atomic<int> checks{0};
  {
    HealthProbe probe(
        [&]() -> Status {
          ++checks;
          release.wait();
          return Status();
        },
        std::chrono::milliseconds(50));
    OpensAtExit opens{release};  // destroyed before the probe, which joins its thread
    // The callers return although the check never does (until the end of the test).
    std::vector<std::thread> callers;
    std::atomic<int> refused{0};
    for (int i = 0; i < 8; ++i) {
      callers.emplace_back([&] {
        if (probe.status().code() == ErrorCode::unavailable) ++refused;
      });
    }
    for (auto& caller : callers)
      caller.join();
    EXPECT_EQ(refused, 8);
    // Callers that came while the check hung shared it: no pile of checks behind a stalled one.
    EXPECT_EQ(checks, 1);
  }
}

TEST(HealthProbe, ACheckThatThrowsIsUnhealthy) {
  HealthProbe probe([]() -> Status { throw std::runtime_error("boom"); }, std::chrono::seconds(30));
  EXPECT_EQ(probe.status().code(), ErrorCode::internal);
}

}  // namespace
}  // namespace tessera
