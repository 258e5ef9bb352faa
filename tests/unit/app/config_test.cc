#include "app/config.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(Config, DefaultsAreValidAndLocal) {
  const Config config = default_config();
  EXPECT_TRUE(validate(config).ok());
  EXPECT_EQ(config.server.address, "127.0.0.1");
  EXPECT_EQ(config.server.port, 8080);
  EXPECT_EQ(config.storage.kind, StoreConfig::Kind::sqlite);
  EXPECT_EQ(config.storage.sqlite_path, "data/tessera.db");
  EXPECT_EQ(config.hashing.argon2.memory_kib, 19u * 1024);
  EXPECT_EQ(config.hashing.argon2.iterations, 2u);
}

TEST(Config, EmptyFileGivesDefaults) {
  auto config = parse_config("", "empty.toml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->server.port, 8080);
}

TEST(Config, ReadsEverySection) {
  auto config = parse_config(R"(
[server]
address = "0.0.0.0"
port = 9443
io_threads = 4
header_limit_bytes = 8192
body_limit_bytes = 32768
header_timeout_seconds = 5
body_timeout_seconds = 20
idle_timeout_seconds = 30
max_connections = 500
max_connections_per_client = 50
[storage]
kind = "postgres"
postgres_url = "postgresql://tessera@db/tessera"
pool_size = 16
busy_timeout_ms = 2000
[security]
master_key_file = "/etc/tessera/master.key"
[password_hashing]
memory_kib = 65536
iterations = 3
workers = 2
queue_limit = 10
[tenant]
name = "Contoso"
[log]
level = "warn"
)",
                             "full.toml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->server.address, "0.0.0.0");
  EXPECT_EQ(config->server.port, 9443);
  EXPECT_EQ(config->server.io_threads, 4);
  EXPECT_EQ(config->server.header_limit_bytes, 8192u);
  EXPECT_EQ(config->server.body_limit_bytes, 32768u);
  EXPECT_EQ(config->server.header_timeout, std::chrono::seconds(5));
  EXPECT_EQ(config->server.body_timeout, std::chrono::seconds(20));
  EXPECT_EQ(config->server.idle_timeout, std::chrono::seconds(30));
  EXPECT_EQ(config->server.max_connections, 500u);
  EXPECT_EQ(config->server.max_connections_per_client, 50u);
  EXPECT_EQ(config->storage.kind, StoreConfig::Kind::postgres);
  EXPECT_EQ(config->storage.postgres_url, "postgresql://tessera@db/tessera");
  EXPECT_EQ(config->storage.pool_size, 16);
  EXPECT_EQ(config->storage.busy_timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(config->master_key_file, "/etc/tessera/master.key");
  EXPECT_EQ(config->hashing.argon2.memory_kib, 65536u);
  EXPECT_EQ(config->hashing.argon2.iterations, 3u);
  EXPECT_EQ(config->hashing.workers, 2);
  EXPECT_EQ(config->hashing.queue_limit, 10u);
  EXPECT_EQ(config->tenant_name, "Contoso");
  EXPECT_EQ(config->log_level, LogLevel::warn);
}

TEST(Config, UnknownKeysAndSectionsAreErrors) {
  EXPECT_NE(parse_config("[server]\nprot = 1\n", "a.toml").status().message().find("server.prot"),
            std::string::npos);
  EXPECT_NE(parse_config("[sever]\nport = 1\n", "a.toml").status().message().find("sever"),
            std::string::npos);
  EXPECT_FALSE(parse_config("port = 1\n", "a.toml").ok());
}

TEST(Config, WrongTypesAndRangesAreErrors) {
  const char* bad[] = {
      "[server]\nport = \"80\"\n",
      "[server]\nport = 65536\n",
      "[server]\nport = -1\n",
      "[server]\nheader_limit_bytes = 10\n",
      "[storage]\nkind = \"mysql\"\n",
      "[storage]\nkind = \"postgres\"\n",
      "[password_hashing]\nmemory_kib = 1\n",
      "[password_hashing]\niterations = 0\n",
      "[log]\nlevel = \"loud\"\n",
      "[tenant]\nname = \"a:b\"\n",
      "[server]\naddress = \"\"\n",
      "[server]\nmax_connections_per_client = -1\n",
  };
  for (const char* text : bad) {
    auto config = parse_config(text, "bad.toml");
    EXPECT_FALSE(config.ok()) << text;
    if (!config.ok()) {
      EXPECT_EQ(config.status().message().rfind("bad.toml", 0), 0u) << text;
    }
  }
}

TEST(Config, SyntaxErrorsGiveFileLineAndColumn) {
  auto config = parse_config("[server]\nport = = 1\n", "broken.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message().rfind("broken.toml:2:", 0), 0u) << config.status().message();
}

TEST(Config, MissingFileIsNotFound) {
  auto config = load_config("/nonexistent/tessera.toml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), ErrorCode::not_found);
  EXPECT_NE(config.status().message().find("/nonexistent/tessera.toml"), std::string::npos);
}

}  // namespace
}  // namespace tessera
