// tessera's configuration: a TOML file (`--config FILE`), with defaults that work without one.
// Unknown keys are errors (a typo must not silently leave a default in place).
//
//   [server]   address, port, io_threads, header_limit_bytes, body_limit_bytes,
//              header_timeout_seconds, body_timeout_seconds, idle_timeout_seconds, max_connections,
//              max_connections_per_client, sign_in_starts_per_network, trusted_proxies
//   [storage]  kind = "sqlite" | "postgres", sqlite_path, postgres_url, pool_size,
//              busy_timeout_ms, wait_timeout_ms
//   [security] master_key_file
//   [password_hashing] memory_kib, iterations, workers, queue_limit
//   [tenant]   name (the issuer people see, in their apps too)
//   [log]      level = "debug" | "info" | "warn" | "error"
//
// Relative paths are relative to the directory tessera was started in.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/result.h"
#include "crypto/password_hash.h"
#include "domain/ip_range.h"
#include "service/sign_in_service.h"
#include "storage/open_store.h"

namespace tessera {

struct ServerConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;
  int io_threads = 0;  // 0 = one per core
  std::size_t header_limit_bytes = 16 * 1024;
  std::size_t body_limit_bytes = 64 * 1024;
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{30};
  std::chrono::seconds idle_timeout{60};
  std::size_t max_connections = 10000;           // lowered at start to fit the open files limit
  std::size_t max_connections_per_client = 256;  // 0 = no cap
  // Sign-ins started per client network (/24, /64) in 10 minutes; 0 = no limit.
  int sign_in_starts_per_network = kDefaultMaxFlowStartsPerNetwork;
  // Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For / X-Forwarded-Proto are
  // believed; empty = none, every client is its TCP peer.
  std::vector<IpRange> trusted_proxies;
};

struct HashingConfig {
  Argon2Parameters argon2;
  int workers = 0;               // 0 = one per core
  std::size_t queue_limit = 64;  // waiting hash jobs before the server answers 503
};

struct Config {
  ServerConfig server;
  StoreConfig storage;
  std::filesystem::path master_key_file = "data/master.key";
  HashingConfig hashing;
  std::string tenant_name = "tessera";
  LogLevel log_level = LogLevel::info;
};

Config default_config();
// Reads and validates a TOML file. Errors name the file, and the key or line at fault.
Result<Config> load_config(const std::filesystem::path& path);
// Parses TOML text (the file name is only used in messages).
Result<Config> parse_config(std::string_view toml_text, std::string_view file_name);
// Checks ranges and combinations (e.g. postgres_url set when kind = "postgres"; Argon2id memory and
// iterations at least one of OWASP's minimum pairs: 47104 KiB with t=1, 19456 with 2, 12288 with 3,
// 9216 with 4, 7168 with 5).
Status validate(const Config& config);

}  // namespace tessera
