#include "app/config.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "domain/policy.h"
#include "oidc/web_address.h"

namespace tessera {
namespace {

constexpr std::uintmax_t kMaxConfigBytes = 1024 * 1024;

using KeySet = std::set<std::string, std::less<>>;

const std::map<std::string, KeySet, std::less<>>& known_keys() {
  static const std::map<std::string, KeySet, std::less<>> keys = {
      {"server",
       {"address", "port", "io_threads", "header_limit_bytes", "body_limit_bytes",
        "header_timeout_seconds", "body_timeout_seconds", "idle_timeout_seconds", "max_connections",
        "max_connections_per_client", "sign_in_starts_per_network", "trusted_proxies", "public_url",
        "cookie_domain"}},
      {"forward_auth", {"allowed_hosts", "mfa_hosts"}},
      {"phone", {"api_base_url", "account_sid", "auth_token", "from"}},
      {"email",
       {"smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password", "from"}},
      {"delivery",
       {"dev_outbox", "timeout_seconds", "tries", "retry_backoff_ms", "queue_limit", "workers"}},
      {"storage",
       {"kind", "sqlite_path", "postgres_url", "pool_size", "busy_timeout_ms", "wait_timeout_ms"}},
      {"security", {"master_key_file"}},
      {"password_hashing", {"memory_kib", "iterations", "workers", "queue_limit"}},
      {"tenant", {"name"}},
      {"log", {"level"}},
      {"oidc",
       {"access_token_seconds", "id_token_seconds", "code_seconds", "refresh_token_days",
        "key_rotation_days"}},
  };
  return keys;
}

// OWASP's Password Storage Cheat Sheet: the smallest Argon2id settings (p=1) it recommends, each
// equally strong. A configured setting must reach at least one of them in both memory and passes.
struct Argon2Minimum {
  std::uint32_t memory_kib;
  std::uint32_t iterations;
};
constexpr Argon2Minimum kOwaspArgon2Minimums[] = {
    {47104, 1}, {19456, 2}, {12288, 3}, {9216, 4}, {7168, 5}};
constexpr std::int64_t kSmallestMemoryKib = 7168;

bool meets_owasp_minimum(const Argon2Parameters& parameters) {
  for (const Argon2Minimum& minimum : kOwaspArgon2Minimums) {
    if (parameters.memory_kib >= minimum.memory_kib &&
        parameters.iterations >= minimum.iterations) {
      return true;
    }
  }
  return false;
}

// Reads table.key into `out` when present; a value of the wrong type or range is an error.
class Reader {
 public:
  Reader(const toml::table& root, std::string_view file) : root_(root), file_(file) {}

  Status unknown_keys() const {
    for (const auto& [section, node] : root_) {
      const auto sections = known_keys().find(section.str());
      if (sections == known_keys().end() || !node.is_table()) {
        return error(std::string(section.str()), "is not a configuration section");
      }
      for (const auto& [key, value] : *node.as_table()) {
        if (!sections->second.contains(key.str())) {
          return error(std::string(section.str()) + "." + std::string(key.str()),
                       "is not a configuration key");
        }
      }
    }
    return Status();
  }

  Status string(std::string_view section, std::string_view key, std::string& out) const {
    const auto node = root_[section][key];
    if (!node) return Status();
    if (!node.is_string()) return error(name(section, key), "must be a string");
    out = *node.value<std::string>();
    return Status();
  }

  Status boolean(std::string_view section, std::string_view key, bool& out) const {
    const auto node = root_[section][key];
    if (!node) return Status();
    if (!node.is_boolean()) return error(name(section, key), "must be true or false");
    out = *node.value<bool>();
    return Status();
  }

  template <typename Int>
  Status integer(std::string_view section, std::string_view key, std::int64_t min, std::int64_t max,
                 Int& out) const {
    const auto node = root_[section][key];
    if (!node) return Status();
    if (!node.is_integer()) return error(name(section, key), "must be a whole number");
    const std::int64_t value = *node.value<std::int64_t>();
    if (value < min || value > max) {
      return error(name(section, key),
                   "must be from " + std::to_string(min) + " to " + std::to_string(max));
    }
    out = static_cast<Int>(value);
    return Status();
  }

  // An array of IP addresses or CIDR ranges ("10.0.0.0/8", "::1").
  Status ip_ranges(std::string_view section, std::string_view key,
                   std::vector<IpRange>& out) const {
    const auto node = root_[section][key];
    if (!node) return Status();
    const toml::array* items = node.as_array();
    if (items == nullptr) {
      return error(name(section, key),
                   "must be a list of addresses or ranges, e.g. [\"10.0.0.0/8\"]");
    }
    std::vector<IpRange> ranges;
    for (const toml::node& item : *items) {
      const auto text = item.value<std::string>();
      if (!text) return error(name(section, key), "must hold only strings");
      auto range = IpRange::parse(*text);
      if (!range.ok()) return error(name(section, key), range.status().message());
      ranges.push_back(*range);
    }
    out = std::move(ranges);
    return Status();
  }

  // A list of host names, lower-cased.
  Status hosts(std::string_view section, std::string_view key,
               std::vector<std::string>& out) const {
    const auto node = root_[section][key];
    if (!node) return Status();
    const toml::array* items = node.as_array();
    if (items == nullptr) {
      return error(name(section, key), "must be a list of host names, e.g. [\"app.example.com\"]");
    }
    std::vector<std::string> hosts;
    for (const toml::node& item : *items) {
      const auto text = item.value<std::string>();
      if (!text || text->empty() || text->size() > 253 ||
          text->find_first_of(" /:@?#") != std::string::npos) {
        return error(name(section, key), "must hold host names without scheme, port or path");
      }
      std::string host = *text;
      for (char& c : host)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      hosts.push_back(std::move(host));
    }
    out = std::move(hosts);
    return Status();
  }

  Status seconds(std::string_view section, std::string_view key, std::int64_t min, std::int64_t max,
                 std::chrono::seconds& out) const {
    std::int64_t value = out.count();
    TESSERA_RETURN_IF_ERROR(integer(section, key, min, max, value));
    out = std::chrono::seconds(value);
    return Status();
  }

 private:
  static std::string name(std::string_view section, std::string_view key) {
    return std::string(section) + "." + std::string(key);
  }
  Status error(const std::string& key, const std::string& problem) const {
    return invalid_argument(std::string(file_) + ": " + key + " " + problem);
  }

  const toml::table& root_;
  std::string_view file_;
};

Status read_config(const toml::table& root, std::string_view file, Config& config) {
  const Reader reader(root, file);
  TESSERA_RETURN_IF_ERROR(reader.unknown_keys());

  ServerConfig& server = config.server;
  TESSERA_RETURN_IF_ERROR(reader.string("server", "address", server.address));
  TESSERA_RETURN_IF_ERROR(reader.integer("server", "port", 0, 65535, server.port));
  TESSERA_RETURN_IF_ERROR(reader.integer("server", "io_threads", 0, 256, server.io_threads));
  TESSERA_RETURN_IF_ERROR(
      reader.integer("server", "header_limit_bytes", 1024, 1024 * 1024, server.header_limit_bytes));
  TESSERA_RETURN_IF_ERROR(reader.integer("server", "body_limit_bytes", 1024, 16 * 1024 * 1024,
                                         server.body_limit_bytes));
  TESSERA_RETURN_IF_ERROR(
      reader.seconds("server", "header_timeout_seconds", 1, 600, server.header_timeout));
  TESSERA_RETURN_IF_ERROR(
      reader.seconds("server", "body_timeout_seconds", 1, 3600, server.body_timeout));
  TESSERA_RETURN_IF_ERROR(
      reader.seconds("server", "idle_timeout_seconds", 1, 3600, server.idle_timeout));
  TESSERA_RETURN_IF_ERROR(
      reader.integer("server", "max_connections", 1, 1000000, server.max_connections));
  TESSERA_RETURN_IF_ERROR(reader.integer("server", "max_connections_per_client", 0, 1000000,
                                         server.max_connections_per_client));
  TESSERA_RETURN_IF_ERROR(reader.integer("server", "sign_in_starts_per_network", 0, 100000000,
                                         server.sign_in_starts_per_network));
  TESSERA_RETURN_IF_ERROR(reader.ip_ranges("server", "trusted_proxies", server.trusted_proxies));

  StoreConfig& storage = config.storage;
  std::string kind = storage.kind == StoreConfig::Kind::postgres ? "postgres" : "sqlite";
  TESSERA_RETURN_IF_ERROR(reader.string("storage", "kind", kind));
  if (kind == "sqlite") {
    storage.kind = StoreConfig::Kind::sqlite;
  } else if (kind == "postgres") {
    storage.kind = StoreConfig::Kind::postgres;
  } else {
    return invalid_argument(std::string(file) +
                            ": storage.kind must be \"sqlite\" or \"postgres\"");
  }
  std::string sqlite_path = storage.sqlite_path.string();
  TESSERA_RETURN_IF_ERROR(reader.string("storage", "sqlite_path", sqlite_path));
  storage.sqlite_path = sqlite_path;
  TESSERA_RETURN_IF_ERROR(reader.string("storage", "postgres_url", storage.postgres_url));
  TESSERA_RETURN_IF_ERROR(reader.integer("storage", "pool_size", 0, 256, storage.pool_size));
  std::int64_t busy_ms = storage.busy_timeout.count();
  TESSERA_RETURN_IF_ERROR(reader.integer("storage", "busy_timeout_ms", 0, 600000, busy_ms));
  storage.busy_timeout = std::chrono::milliseconds(busy_ms);
  std::int64_t wait_ms = storage.wait_timeout.count();
  TESSERA_RETURN_IF_ERROR(reader.integer("storage", "wait_timeout_ms", 100, 600000, wait_ms));
  storage.wait_timeout = std::chrono::milliseconds(wait_ms);

  std::string key_file = config.master_key_file.string();
  TESSERA_RETURN_IF_ERROR(reader.string("security", "master_key_file", key_file));
  config.master_key_file = key_file;

  HashingConfig& hashing = config.hashing;
  TESSERA_RETURN_IF_ERROR(reader.integer("password_hashing", "memory_kib", kSmallestMemoryKib,
                                         4 * 1024 * 1024, hashing.argon2.memory_kib));
  TESSERA_RETURN_IF_ERROR(
      reader.integer("password_hashing", "iterations", 1, 64, hashing.argon2.iterations));
  TESSERA_RETURN_IF_ERROR(reader.integer("password_hashing", "workers", 0, 256, hashing.workers));
  TESSERA_RETURN_IF_ERROR(
      reader.integer("password_hashing", "queue_limit", 1, 100000, hashing.queue_limit));

  TESSERA_RETURN_IF_ERROR(reader.string("server", "public_url", server.public_url));
  TESSERA_RETURN_IF_ERROR(reader.string("server", "cookie_domain", server.cookie_domain));
  TESSERA_RETURN_IF_ERROR(
      reader.hosts("forward_auth", "allowed_hosts", config.forward_auth.allowed_hosts));
  TESSERA_RETURN_IF_ERROR(reader.hosts("forward_auth", "mfa_hosts", config.forward_auth.mfa_hosts));
  TESSERA_RETURN_IF_ERROR(reader.string("tenant", "name", config.tenant_name));
  PhoneConfig& phone = config.phone;
  TESSERA_RETURN_IF_ERROR(reader.string("phone", "api_base_url", phone.api_base_url));
  TESSERA_RETURN_IF_ERROR(reader.string("phone", "account_sid", phone.account_sid));
  TESSERA_RETURN_IF_ERROR(reader.string("phone", "auth_token", phone.auth_token));
  TESSERA_RETURN_IF_ERROR(reader.string("phone", "from", phone.from));
  EmailConfig& email = config.email;
  TESSERA_RETURN_IF_ERROR(reader.string("email", "smtp_host", email.smtp_host));
  TESSERA_RETURN_IF_ERROR(reader.integer("email", "smtp_port", 1, 65535, email.smtp_port));
  TESSERA_RETURN_IF_ERROR(reader.string("email", "smtp_security", email.smtp_security));
  TESSERA_RETURN_IF_ERROR(reader.string("email", "smtp_username", email.smtp_username));
  TESSERA_RETURN_IF_ERROR(reader.string("email", "smtp_password", email.smtp_password));
  TESSERA_RETURN_IF_ERROR(reader.string("email", "from", email.from));
  DeliveryConfig& delivery = config.delivery;
  TESSERA_RETURN_IF_ERROR(reader.boolean("delivery", "dev_outbox", delivery.dev_outbox));
  TESSERA_RETURN_IF_ERROR(reader.seconds("delivery", "timeout_seconds", 1, 120, delivery.timeout));
  TESSERA_RETURN_IF_ERROR(reader.integer("delivery", "tries", 1, 10, delivery.tries));
  std::int64_t backoff_ms = delivery.retry_backoff.count();
  TESSERA_RETURN_IF_ERROR(reader.integer("delivery", "retry_backoff_ms", 0, 60000, backoff_ms));
  delivery.retry_backoff = std::chrono::milliseconds(backoff_ms);
  TESSERA_RETURN_IF_ERROR(
      reader.integer("delivery", "queue_limit", 1, 1000000, delivery.queue_limit));
  TESSERA_RETURN_IF_ERROR(reader.integer("delivery", "workers", 1, 64, delivery.workers));
  OidcConfig& oidc = config.oidc;
  TESSERA_RETURN_IF_ERROR(
      reader.seconds("oidc", "access_token_seconds", 60, 86400, oidc.access_token_lifetime));
  TESSERA_RETURN_IF_ERROR(
      reader.seconds("oidc", "id_token_seconds", 60, 86400, oidc.id_token_lifetime));
  TESSERA_RETURN_IF_ERROR(reader.seconds("oidc", "code_seconds", 10, 600, oidc.code_lifetime));
  TESSERA_RETURN_IF_ERROR(
      reader.integer("oidc", "refresh_token_days", 1, 365, oidc.refresh_token_days));
  TESSERA_RETURN_IF_ERROR(
      reader.integer("oidc", "key_rotation_days", 0, 3650, oidc.key_rotation_days));
  std::string level = "info";
  TESSERA_RETURN_IF_ERROR(reader.string("log", "level", level));
  bool recognised = false;
  config.log_level = parse_log_level(level, &recognised);
  if (!recognised) {
    return invalid_argument(std::string(file) +
                            ": log.level must be debug, info, warn, error or off");
  }
  if (Status valid = validate(config); !valid.ok()) {
    return invalid_argument(std::string(file) + ": " + valid.message());
  }
  return Status();
}

}  // namespace

std::string public_url_of(const Config& config, std::uint16_t bound_port) {
  std::string url = config.server.public_url;
  if (url.empty()) {
    const bool v6 = config.server.address.find(':') != std::string::npos;
    const std::uint16_t port = bound_port != 0 ? bound_port : config.server.port;
    url = "http://" + (v6 ? "[" + config.server.address + "]" : config.server.address) + ":" +
          std::to_string(port);
  }
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

Config default_config() {
  Config config;
  config.storage.kind = StoreConfig::Kind::sqlite;
  config.storage.sqlite_path = "data/tessera.db";
  return config;
}

Status validate(const Config& config) {
  if (config.server.address.empty()) return invalid_argument("server.address must not be empty");
  if (config.storage.kind == StoreConfig::Kind::postgres && config.storage.postgres_url.empty()) {
    return invalid_argument("storage.postgres_url is required when storage.kind = \"postgres\"");
  }
  if (config.storage.kind == StoreConfig::Kind::sqlite && config.storage.sqlite_path.empty()) {
    return invalid_argument("storage.sqlite_path must not be empty");
  }
  if (config.master_key_file.empty()) {
    return invalid_argument("security.master_key_file must not be empty");
  }
  if (config.tenant_name.empty() || config.tenant_name.size() > 64 ||
      config.tenant_name.find(':') != std::string::npos) {
    return invalid_argument("tenant.name must be 1-64 characters without ':'");
  }
  for (const std::string& host : config.forward_auth.mfa_hosts) {
    if (std::find(config.forward_auth.allowed_hosts.begin(),
                  config.forward_auth.allowed_hosts.end(),
                  host) == config.forward_auth.allowed_hosts.end()) {
      return invalid_argument("forward_auth.mfa_hosts: " + host +
                              " is not in forward_auth.allowed_hosts");
    }
  }
  if (!config.server.public_url.empty() && config.server.public_url.rfind("http://", 0) != 0 &&
      config.server.public_url.rfind("https://", 0) != 0) {
    return invalid_argument("server.public_url must start with http:// or https://");
  }
  if (!config.server.cookie_domain.empty()) {
    // The browser refuses a Domain the page's own host is not under; a silently dropped cookie
    // would leave everyone unable to stay signed in.
    const std::string& domain = config.server.cookie_domain;
    const std::string host = web_host_of(config.server.public_url);
    if (host.empty() || !within_domain(host, domain)) {
      return invalid_argument("server.cookie_domain = \"" + domain +
                              "\" needs server.public_url on that domain or under it (it is \"" +
                              config.server.public_url + "\")");
    }
  }
  if (!config.phone.account_sid.empty() && config.phone.from.empty()) {
    return invalid_argument("phone.from (an E.164 number) is required with phone.account_sid");
  }
  const std::string& security = config.email.smtp_security;
  if (security != "none" && security != "starttls" && security != "tls") {
    return invalid_argument("email.smtp_security must be none, starttls or tls");
  }
  if (!config.email.smtp_host.empty() && config.email.from.empty()) {
    return invalid_argument("email.from is required with email.smtp_host");
  }
  const Argon2Parameters& argon2 = config.hashing.argon2;
  const Status hashing = validate(argon2);
  if (!hashing.ok()) return invalid_argument("password_hashing: " + hashing.message());
  if (!meets_owasp_minimum(argon2)) {
    return invalid_argument(
        "password_hashing.memory_kib = " + std::to_string(argon2.memory_kib) +
        " with password_hashing.iterations = " + std::to_string(argon2.iterations) +
        " is weaker than OWASP's minimum for Argon2id: use at least memory_kib = 19456 with "
        "iterations = 2 (or 47104 with 1, 12288 with 3, 9216 with 4, 7168 with 5)");
  }
  return Status();
}

Result<Config> parse_config(std::string_view toml_text, std::string_view file_name) {
  Config config = default_config();
  try {
    const toml::table root = toml::parse(toml_text, file_name);
    TESSERA_RETURN_IF_ERROR(read_config(root, file_name, config));
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    return invalid_argument(std::string(file_name) + ":" + std::to_string(where.line) + ":" +
                            std::to_string(where.column) + ": " + std::string(error.description()));
  }
  return config;
}

Result<Config> load_config(const std::filesystem::path& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  if (error) {
    return not_found("cannot read the configuration file " + path.string() + ": " +
                     error.message());
  }
  if (size > kMaxConfigBytes) {
    return invalid_argument("the configuration file " + path.string() + " is larger than 1 MiB");
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return not_found("cannot read the configuration file " + path.string());
  }
  return parse_config(text.str(), path.string());
}

}  // namespace tessera
