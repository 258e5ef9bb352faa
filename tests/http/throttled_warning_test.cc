#include "http/throttled_warning.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

using std::chrono::seconds;

TEST(ThrottledWarning, LogsTheFirstThenAtMostOnePerInterval) {
  ThrottledWarning warning("test_warning", seconds(10));
  const auto start = ThrottledWarning::SteadyClock::time_point() + seconds(1000);
  EXPECT_TRUE(warning.warn({{"n", "1"}}, start));
  for (int i = 1; i < 100; ++i)
    EXPECT_FALSE(warning.warn({{"n", "again"}}, start + seconds(9)));
  EXPECT_TRUE(warning.warn({{"n", "2"}}, start + seconds(10)));
  EXPECT_FALSE(warning.warn({{"n", "3"}}, start + seconds(19)));
  EXPECT_TRUE(warning.warn({{"n", "4"}}, start + seconds(30)));
}

}  // namespace
}  // namespace tessera
