#include "app/open_files.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(OpenFiles, MaxConnectionsIsLoweredToFitTheUsualLimitWithRoomForEverythingElse) {
  Config config = default_config();
  ASSERT_EQ(config.server.max_connections, 10000u);
  const std::size_t fitting = connections_that_fit(config, 1024);
  EXPECT_EQ(fitting, 1024 - descriptors_besides_connections(config));
  EXPECT_GE(fitting, 512u);  // most of the descriptors still go to connections
}

TEST(OpenFiles, MaxConnectionsIsKeptWhenItFits) {
  Config config = default_config();
  EXPECT_EQ(connections_that_fit(config, 1'048'576), 10000u);
  EXPECT_EQ(connections_that_fit(config, UINT64_MAX), 10000u);
  config.server.max_connections = 100;
  EXPECT_EQ(connections_that_fit(config, 1024), 100u);
}

TEST(OpenFiles, ALargerStorePoolLeavesFewerConnections) {
  Config config = default_config();
  const std::size_t usual = connections_that_fit(config, 4096);
  config.storage.pool_size = 64;
  EXPECT_LT(connections_that_fit(config, 4096), usual);
}

TEST(OpenFiles, ATinyLimitStillGetsHalfOfItForConnections) {
  Config config = default_config();
  EXPECT_EQ(connections_that_fit(config, 100), 50u);
  EXPECT_EQ(connections_that_fit(config, 1), 1u);
}

TEST(OpenFiles, RaisingTheLimitTakesTheSoftLimitToTheHardOne) {
  const OpenFilesLimit files = raise_open_files_limit();
  EXPECT_GE(files.soft, files.before);
  // Raised all the way, unless the hard limit is "unlimited", which the kernel may refuse.
  if (files.hard != UINT64_MAX) {
    EXPECT_EQ(files.soft, files.hard);
  }
  EXPECT_EQ(open_files_limit(), files.soft);
}

}  // namespace
}  // namespace tessera
