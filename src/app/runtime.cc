#include "app/runtime.h"

#include <cstdlib>
#include <sys/stat.h>

#include "base/log.h"
#include "crypto/hmac.h"
#include "crypto/master_key.h"
#include "crypto/sodium_init.h"
#include "storage/open_store.h"

namespace tessera {
namespace {

Status make_private_directory(const std::filesystem::path& file) {
  const auto directory = file.parent_path();
  if (directory.empty()) return Status();
  std::error_code error;
  if (std::filesystem::exists(directory, error)) return Status();
  std::filesystem::create_directories(directory, error);
  if (error) {
    return unavailable("cannot create the directory " + directory.string() + ": " +
                       error.message());
  }
  ::chmod(directory.c_str(), 0700);
  return Status();
}

// Tests of whole processes set TESSERA_TEST_CLOCK_FILE so the server and the CLI share a clock
// they control; everyone else gets the system clock.
std::unique_ptr<Clock> make_clock() {
  const char* path = std::getenv(kTestClockEnvironmentVariable);
  if (path == nullptr || *path == '\0') return std::make_unique<SystemClock>();
  log_event(LogLevel::warn, "test_clock", {{"file", path}});
  return std::make_unique<FileClock>(path);
}

}  // namespace

Status prepare_data_directories(const Config& config) {
  TESSERA_RETURN_IF_ERROR(make_private_directory(config.master_key_file));
  if (config.storage.kind == StoreConfig::Kind::sqlite) {
    TESSERA_RETURN_IF_ERROR(make_private_directory(config.storage.sqlite_path));
  }
  return Status();
}

Runtime::Runtime(Config config, std::unique_ptr<Rng> rng, std::unique_ptr<SecretSealer> sealer,
                 std::unique_ptr<Store> store, SecretBytes csrf_key, SecretBytes name_key)
    : config_(std::move(config)),
      clock_(make_clock()),
      rng_(std::move(rng)),
      sealer_(std::move(sealer)),
      store_(std::move(store)),
      hasher_(config_.hashing.argon2),
      methods_(sign_in_methods()),
      deliveries_(config_.delivery.queue_limit),
      users_(*store_, hasher_, *clock_, *rng_),
      policy_(*store_, *clock_, *rng_),
      sessions_(*store_, *clock_, *rng_),
      security_info_(*store_, methods_, *clock_, *rng_, &deliveries_, config_.tenant_name),
      fraud_reports_(*store_, *clock_, *rng_,
                     FraudReportSettings{config_.tenant_name, &deliveries_}),
      keys_(*store_, *clock_, std::chrono::days(config_.oidc.key_rotation_days)),
      clients_(*store_, *clock_, *rng_),
      csrf_key_(std::move(csrf_key)),
      name_key_(std::move(name_key)) {}

Result<std::unique_ptr<Runtime>> Runtime::open(const Config& config, Migration migration) {
  if (!init_crypto_library()) return internal_error("libsodium cannot be initialised");
  TESSERA_RETURN_IF_ERROR(validate(config));
  TESSERA_ASSIGN_OR_RETURN(SecretBytes key, load_master_key(config.master_key_file));
  // Keys for other purposes are derived from the master key, so every node has the same ones.
  auto derive = [&key](std::string_view label) {
    return SecretBytes(hmac_sha256(
        key.span(), {reinterpret_cast<const std::uint8_t*>(label.data()), label.size()}));
  };
  SecretBytes csrf_key = derive("tessera csrf key v1");
  SecretBytes name_key = derive("tessera unknown-name key v1");
  TESSERA_ASSIGN_OR_RETURN(SecretSealer sealer, SecretSealer::make(std::move(key)));
  auto owned_sealer = std::make_unique<SecretSealer>(std::move(sealer));
  auto rng = std::make_unique<SystemRng>();
  if (config.storage.kind == StoreConfig::Kind::sqlite) {
    TESSERA_RETURN_IF_ERROR(prepare_data_directories(config));
  }
  TESSERA_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                           open_store(config.storage, *owned_sealer, *rng));
  TESSERA_ASSIGN_OR_RETURN(int found_version, store->schema_version());
  if (found_version > store->latest_schema_version()) {
    return failed_precondition("the database is at schema version " +
                               std::to_string(found_version) + ", newer than this tessera (" +
                               std::to_string(store->latest_schema_version()) +
                               "); run a newer tessera");
  }
  if (migration == Migration::apply) {
    TESSERA_RETURN_IF_ERROR(store->migrate());
  } else {
    if (found_version < store->latest_schema_version()) {
      return failed_precondition("the database is at schema version " +
                                 std::to_string(found_version) + " but this tessera needs " +
                                 std::to_string(store->latest_schema_version()) +
                                 "; run `tessera migrate`");
    }
  }
  TESSERA_RETURN_IF_ERROR(store->verify_master_key());
  return std::unique_ptr<Runtime>(new Runtime(config, std::move(rng), std::move(owned_sealer),
                                              std::move(store), std::move(csrf_key),
                                              std::move(name_key)));
}

}  // namespace tessera
