#include "http/connection_table.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

using Verdict = ConnectionTable::Verdict;

TEST(ConnectionTable, AdmitsUpToTheLimitThenRefusesWhenNoneIsIdle) {
  ConnectionTable table({.max_connections = 2, .max_connections_per_client = 0});
  auto first = table.admit("10.0.0.1");
  auto second = table.admit("10.0.0.2");
  EXPECT_EQ(first.verdict, Verdict::admitted);
  EXPECT_EQ(second.verdict, Verdict::admitted);
  EXPECT_NE(first.id, second.id);
  EXPECT_EQ(table.admit("10.0.0.3").verdict, Verdict::too_many_connections);
  table.remove(first.id);
  EXPECT_EQ(table.admit("10.0.0.3").verdict, Verdict::admitted);
  EXPECT_EQ(table.size(), 2u);
}

TEST(ConnectionTable, CapsEachClientAndLeavesRoomForOthers) {
  ConnectionTable table({.max_connections = 100, .max_connections_per_client = 2});
  auto first = table.admit("10.0.0.1");
  EXPECT_EQ(table.admit("10.0.0.1").verdict, Verdict::admitted);
  EXPECT_EQ(table.admit("10.0.0.1").verdict, Verdict::too_many_from_client);
  EXPECT_EQ(table.admit("10.0.0.2").verdict, Verdict::admitted);
  EXPECT_EQ(table.from_client("10.0.0.1"), 2u);
  table.remove(first.id);
  EXPECT_EQ(table.from_client("10.0.0.1"), 1u);
  EXPECT_EQ(table.admit("10.0.0.1").verdict, Verdict::admitted);
}

TEST(ConnectionTable, AtTheLimitEvictsTheLongestIdleKeptAliveConnection) {
  ConnectionTable table({.max_connections = 3, .max_connections_per_client = 0});
  auto a = table.admit("10.0.0.1");
  auto b = table.admit("10.0.0.2");
  auto c = table.admit("10.0.0.3");
  table.set_idle(b.id, true);
  table.set_idle(a.id, true);
  table.set_idle(c.id, true);
  table.set_idle(c.id, false);  // its next request began

  auto d = table.admit("10.0.0.4");
  EXPECT_EQ(d.verdict, Verdict::admitted);
  ASSERT_TRUE(d.evict);
  EXPECT_EQ(*d.evict, b.id);
  // Still counted until it has closed, but no longer offered for eviction.
  EXPECT_EQ(table.size(), 4u);
  auto e = table.admit("10.0.0.5");
  ASSERT_TRUE(e.evict);
  EXPECT_EQ(*e.evict, a.id);
  EXPECT_EQ(table.admit("10.0.0.6").verdict, Verdict::too_many_connections);
  table.remove(b.id);
  table.remove(a.id);
  EXPECT_EQ(table.size(), 3u);
}

TEST(ConnectionTable, AClientAtItsCapIsRefusedEvenWhenOthersAreIdle) {
  ConnectionTable table({.max_connections = 2, .max_connections_per_client = 1});
  auto other = table.admit("10.0.0.2");
  table.set_idle(other.id, true);
  table.admit("10.0.0.1");
  EXPECT_EQ(table.admit("10.0.0.1").verdict, Verdict::too_many_from_client);
}

TEST(ConnectionTable, IsCrowdedFromThreeQuartersOfEitherLimit) {
  ConnectionTable table({.max_connections = 8, .max_connections_per_client = 4});
  auto a1 = table.admit("10.0.0.1");
  table.admit("10.0.0.1");
  auto b1 = table.admit("10.0.0.2");
  EXPECT_FALSE(table.crowded(a1.id));
  table.admit("10.0.0.1");  // 3 of 4 for this client
  EXPECT_TRUE(table.crowded(a1.id));
  EXPECT_FALSE(table.crowded(b1.id));
  table.admit("10.0.0.3");
  table.admit("10.0.0.4");  // 6 of 8 in all
  EXPECT_TRUE(table.crowded(b1.id));
}

TEST(ConnectionTable, UnknownIdsAreIgnored) {
  ConnectionTable table({.max_connections = 1, .max_connections_per_client = 1});
  table.remove(42);
  table.set_idle(42, true);
  EXPECT_FALSE(table.crowded(42));
  EXPECT_EQ(table.admit("10.0.0.1").verdict, Verdict::admitted);
}

}  // namespace
}  // namespace tessera
