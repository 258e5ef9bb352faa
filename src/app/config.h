// tessera's configuration: a TOML file (`--config FILE`), with defaults that work without one.
// Unknown keys are errors (a typo must not silently leave a default in place).
//
//   [server]   address, port, io_threads, header_limit_bytes, body_limit_bytes,
//              header_timeout_seconds, body_timeout_seconds, idle_timeout_seconds, max_connections,
//              max_connections_per_client, sign_in_starts_per_network, trusted_proxies,
//              public_url (where people and gateways reach tessera; default http://ADDRESS:PORT),
//              cookie_domain (the session cookie's Domain, for forward auth across subdomains)
//   [storage]  kind = "sqlite" | "postgres", sqlite_path, postgres_url, pool_size,
//              busy_timeout_ms, wait_timeout_ms
//   [security] master_key_file
//   [password_hashing] memory_kib, iterations, workers, queue_limit
//   [tenant]   name (the issuer people see, in their apps too)
//   [phone]    api_base_url, account_sid, auth_token (or TESSERA_PHONE_AUTH_TOKEN), from: texts and
//              calls through a Twilio-compatible REST API; off while account_sid is empty
//   [email]    smtp_host, smtp_port, smtp_security = "none" | "starttls" | "tls", smtp_username,
//              smtp_password (or TESSERA_SMTP_PASSWORD), from; off while smtp_host is empty
//   [delivery] dev_outbox, timeout_seconds, tries, retry_backoff_ms, queue_limit, workers
//   [log]      level = "debug" | "info" | "warn" | "error"
//   [forward_auth] allowed_hosts (the hosts /auth/verify vouches for and /signin?rd= returns
//              to), mfa_hosts (of those, the ones that require MFA)
//   [oidc]     access_token_seconds, id_token_seconds, code_seconds, refresh_token_days,
//              key_rotation_days (0 = only `tessera keys rotate`)
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
  // The address people and gateways reach tessera at (calls fetch their TwiML under it, and the
  // webhook's signature covers it); empty = http://ADDRESS:PORT.
  std::string public_url;
  // The session cookie's Domain (e.g. "example.com"), so one sign-in covers the apps behind a
  // forward-auth proxy on its subdomains; empty = tessera's own host only.
  std::string cookie_domain;
};

struct ForwardAuthConfig {
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> mfa_hosts;
};

inline constexpr const char* kPhoneAuthTokenEnvironmentVariable = "TESSERA_PHONE_AUTH_TOKEN";
inline constexpr const char* kSmtpPasswordEnvironmentVariable = "TESSERA_SMTP_PASSWORD";

struct PhoneConfig {
  std::string api_base_url = "https://api.twilio.com";
  std::string account_sid;  // empty: no text or voice gateway
  std::string auth_token;
  std::string from;  // E.164
};

struct EmailConfig {
  std::string smtp_host;  // empty: no mail server
  std::uint16_t smtp_port = 587;
  std::string smtp_security = "starttls";  // none | starttls | tls
  std::string smtp_username;
  std::string smtp_password;
  std::string from;
};

struct DeliveryConfig {
  // Records every text, call and email and shows them at /dev/outbox (the demo). With no gateway
  // configured nothing leaves the machine.
  bool dev_outbox = false;
  std::chrono::seconds timeout{10};  // per try, at a gateway
  int tries = 3;
  std::chrono::milliseconds retry_backoff{1000};
  std::size_t queue_limit = 1000;
  int workers = 2;
};

struct HashingConfig {
  Argon2Parameters argon2;
  int workers = 0;               // 0 = one per core
  std::size_t queue_limit = 64;  // waiting hash jobs before the server answers 503
};

// The OpenID Connect provider's lifetimes (its issuer is server.public_url).
struct OidcConfig {
  std::chrono::seconds access_token_lifetime{600};
  std::chrono::seconds id_token_lifetime{600};
  std::chrono::seconds code_lifetime{60};
  int refresh_token_days = 30;
  int key_rotation_days = 90;
};

struct Config {
  ServerConfig server;
  StoreConfig storage;
  std::filesystem::path master_key_file = "data/master.key";
  HashingConfig hashing;
  std::string tenant_name = "tessera";
  LogLevel log_level = LogLevel::info;
  PhoneConfig phone;
  EmailConfig email;
  DeliveryConfig delivery;
  OidcConfig oidc;
  ForwardAuthConfig forward_auth;
};

// server.public_url, or http://ADDRESS:PORT when it is not set (without a trailing slash); PORT is
// `bound_port` when given (the port that port = 0 chose), else server.port.
std::string public_url_of(const Config& config, std::uint16_t bound_port = 0);

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
