// Opens a fresh, migrated Store of either kind for the shared store suite.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "base/ids.h"
#include "base/rng.h"
#include "crypto/aead.h"
#include "crypto/sodium_init.h"
#include "storage/open_store.h"
#include "storage/postgres_connection.h"
#include "storage/sqlite_connection.h"
#include "support/postgres_server.h"
#include "support/temp_dir.h"

namespace tessera::testing {

class StoreTest : public ::testing::TestWithParam<StoreConfig::Kind> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(init_crypto_library());
    sealer_.emplace(*SecretSealer::make(SecretBytes(std::vector<std::uint8_t>(32, 3))));
    config_.kind = GetParam();
    if (config_.kind == StoreConfig::Kind::sqlite) {
      config_.sqlite_path = dir_.path() / "tessera.db";
      config_.create_if_missing = true;
    } else {
      auto url = shared_postgres_server().create_database();
      ASSERT_TRUE(url.ok()) << url.status().message();
      config_.postgres_url = *url;
    }
    auto store = open_store(config_, *sealer_, rng_);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->migrate().ok());
    ASSERT_TRUE(store_->verify_master_key().ok());
  }

  User make_user(const std::string& upn, MfaState state = MfaState::disabled) {
    User user;
    user.id = new_id(rng_);
    user.upn = upn;
    user.display_name = "Display " + upn;
    user.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    user.mfa_state = state;
    user.created_at = from_unix_seconds(1'700'000'000);
    user.mfa_state_changed_at = user.created_at;
    user.password_changed_at = user.created_at;
    return user;
  }

  Method make_method(const User& user, std::string_view seed, bool is_default = true) {
    Method method;
    method.id = new_id(rng_);
    method.user_id = user.id;
    method.kind = MethodKind::authenticator_app;
    method.label = "Authenticator app";
    method.secret = SecretBytes::from_string(seed);
    method.is_default = is_default;
    method.created_at = from_unix_seconds(1'700'000'100);
    return method;
  }

  // Runs SQL on a connection of its own, as another tool (or damage) might change the database.
  Status raw_sql(const std::string& sql) {
    auto connection = config_.kind == StoreConfig::Kind::sqlite
                          ? open_sqlite_connection(config_.sqlite_path, std::chrono::seconds(5))
                          : open_postgres_connection(config_.postgres_url);
    if (!connection.ok()) return connection.status();
    return (*connection)->execute_script(sql);
  }

  AuditLogEntry audit(std::string action, std::string target) {
    return {
        new_id(rng_), from_unix_seconds(1'700'000'000), "cli", std::move(action), std::move(target),
        "detail"};
  }

  TempDir dir_;
  DeterministicRng rng_{7};
  std::optional<SecretSealer> sealer_;
  StoreConfig config_;
  std::unique_ptr<Store> store_;
};

inline std::string kind_name(const ::testing::TestParamInfo<StoreConfig::Kind>& info) {
  return info.param == StoreConfig::Kind::sqlite ? "SQLite" : "PostgreSQL";
}

}  // namespace tessera::testing
