// What every service test starts from: a fresh, migrated SQLite store in a private directory, a
// manual clock, a deterministic Rng and the sign-in methods. Derive from it and build the services
// under test in SetUp(), after calling ServiceTest::SetUp().
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/rng.h"
#include "crypto/aead.h"
#include "crypto/sodium_init.h"
#include "methods/authenticator_app/authenticator_app.h"
#include "methods/email/email.h"
#include "methods/phone/phone.h"
#include "storage/open_store.h"
#include "support/temp_dir.h"

namespace tessera {

class ServiceTest : public ::testing::Test {
 protected:
  explicit ServiceTest(Timestamp start = from_unix_seconds(1'795'000'000), std::uint64_t seed = 7)
      : clock_(start), rng_(seed) {
    methods_.add(std::make_unique<AuthenticatorApp>());
    methods_.add(std::make_unique<Phone>());
    methods_.add(std::make_unique<Phone>(PhoneLine::alternate));
    methods_.add(std::make_unique<Email>());
  }

  void SetUp() override {
    ASSERT_TRUE(init_crypto_library());
    sealer_.emplace(*SecretSealer::make(SecretBytes(std::vector<std::uint8_t>(32, 4))));
    StoreConfig config;
    config.sqlite_path = dir_.path() / "tessera.db";
    config.create_if_missing = true;
    auto store = open_store(config, *sealer_, rng_);
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(*store);
    const Status migrated = store_->migrate();
    ASSERT_TRUE(migrated.ok()) << migrated.message();
  }

  testing::TempDir dir_;
  ManualClock clock_;
  DeterministicRng rng_;
  std::optional<SecretSealer> sealer_;
  std::unique_ptr<Store> store_;
  MethodRegistry methods_;  // the methods a server offers
};

}  // namespace tessera
