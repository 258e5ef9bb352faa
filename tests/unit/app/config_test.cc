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
sign_in_starts_per_network = 0
[storage]
kind = "postgres"
postgres_url = "postgresql://tessera@db/tessera"
pool_size = 16
busy_timeout_ms = 2000
wait_timeout_ms = 1500
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
  EXPECT_EQ(config->server.sign_in_starts_per_network, 0);
  EXPECT_EQ(config->storage.kind, StoreConfig::Kind::postgres);
  EXPECT_EQ(config->storage.postgres_url, "postgresql://tessera@db/tessera");
  EXPECT_EQ(config->storage.pool_size, 16);
  EXPECT_EQ(config->storage.busy_timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(config->storage.wait_timeout, std::chrono::milliseconds(1500));
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
      "[server]\nsign_in_starts_per_network = -5\n",
  };
  for (const char* text : bad) {
    auto config = parse_config(text, "bad.toml");
    EXPECT_FALSE(config.ok()) << text;
    if (!config.ok()) {
      EXPECT_EQ(config.status().message().rfind("bad.toml", 0), 0u) << text;
    }
  }
}

std::string hashing_section(int memory_kib, int iterations) {
  return "[password_hashing]\nmemory_kib = " + std::to_string(memory_kib) +
         "\niterations = " + std::to_string(iterations) + "\n";
}

TEST(Config, AcceptsEachOwaspArgon2PairAndStrongerSettings) {
  const std::pair<int, int> accepted[] = {{47104, 1}, {19456, 2}, {12288, 3}, {9216, 4},
                                          {7168, 5},  {65536, 1}, {19456, 3}, {7168, 64}};
  for (const auto& [memory_kib, iterations] : accepted) {
    auto config = parse_config(hashing_section(memory_kib, iterations), "tessera.toml");
    ASSERT_TRUE(config.ok()) << memory_kib << " " << iterations << ": "
                             << config.status().message();
    EXPECT_EQ(config->hashing.argon2.memory_kib, static_cast<std::uint32_t>(memory_kib));
    EXPECT_EQ(config->hashing.argon2.iterations, static_cast<std::uint32_t>(iterations));
  }
}

TEST(Config, RefusesArgon2SettingsWeakerThanEveryOwaspPair) {
  const std::pair<int, int> refused[] = {{8192, 1},  {47103, 1}, {19455, 2}, {19456, 1},
                                         {12287, 3}, {12288, 2}, {9215, 4},  {7168, 4}};
  for (const auto& [memory_kib, iterations] : refused) {
    auto config = parse_config(hashing_section(memory_kib, iterations), "tessera.toml");
    ASSERT_FALSE(config.ok()) << memory_kib << " " << iterations;
    const std::string& message = config.status().message();
    EXPECT_EQ(
        message.rfind("tessera.toml: password_hashing.memory_kib = " + std::to_string(memory_kib) +
                          " with password_hashing.iterations = " + std::to_string(iterations) +
                          " is weaker than OWASP's minimum for Argon2id",
                      0),
        0u)
        << message;
    for (const char* pair : {"19456 with iterations = 2", "47104 with 1", "12288 with 3",
                             "9216 with 4", "7168 with 5"}) {
      EXPECT_NE(message.find(pair), std::string::npos) << message;
    }
  }
  EXPECT_NE(parse_config(hashing_section(7167, 64), "tessera.toml")
                .status()
                .message()
                .find("password_hashing.memory_kib must be from 7168"),
            std::string::npos);
}

TEST(Config, ValidateRefusesWeakArgon2SettingsInAConfigBuiltInCode) {
  Config config = default_config();
  config.hashing.argon2 = Argon2Parameters{8 * 1024, 1};
  const Status status = validate(config);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("OWASP"), std::string::npos) << status.message();
}

TEST(Config, TrustedProxiesAreAddressesOrRangesAndTyposAreRefused) {
  auto config = parse_config(
      "[server]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]\n", "tessera.toml");
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_EQ(config->server.trusted_proxies.size(), 3u);
  EXPECT_EQ(config->server.trusted_proxies[1].to_string(), "10.0.0.0/8");
  EXPECT_TRUE(default_config().server.trusted_proxies.empty());
  for (const char* bad : {"trusted_proxies = \"127.0.0.1\"", "trusted_proxies = [\"10.0.0.1/8\"]",
                          "trusted_proxies = [\"proxy.internal\"]", "trusted_proxies = [1]"}) {
    auto refused = parse_config(std::string("[server]\n") + bad + "\n", "tessera.toml");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find("server.trusted_proxies"), std::string::npos)
        << refused.status().message();
  }
}

TEST(Config, CookieDomainMustCoverThePublicUrlsHost) {
  const auto config_with = [](const std::string& public_url, const std::string& domain) {
    return parse_config(
        "[server]\npublic_url = \"" + public_url + "\"\ncookie_domain = \"" + domain + "\"\n",
        "tessera.toml");
  };
  for (const auto& [url, domain] : std::vector<std::pair<std::string, std::string>>{
           {"https://auth.example.com", "example.com"},
           {"https://example.com/", "example.com"},
           {"http://id.corp.example.com:9091", "corp.example.com"}}) {
    SCOPED_TRACE(url + " " + domain);
    EXPECT_TRUE(config_with(url, domain).ok()) << config_with(url, domain).status().message();
  }
  // A browser drops a cookie whose Domain its page is not under: nobody could stay signed in.
  for (const auto& [url, domain] : std::vector<std::pair<std::string, std::string>>{
           {"https://auth.example.com", "other.com"},
           {"https://auth.badexample.com", "example.com"},
           {"https://example.com", "auth.example.com"},
           {"", "example.com"}}) {
    SCOPED_TRACE(url + " " + domain);
    const auto refused = config_with(url, domain);
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.status().message().find("server.cookie_domain"), std::string::npos)
        << refused.status().message();
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
