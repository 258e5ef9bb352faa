// The composition root: the one place where tessera's real implementations are created and wired
// together (system clock, OS randomness, master key, store, password hasher, services). Commands
// and the server take what they need from here; nothing else constructs these.
#pragma once

#include <memory>

#include "app/config.h"
#include "base/clock.h"
#include "base/result.h"
#include "base/rng.h"
#include "crypto/aead.h"
#include "crypto/password_hash.h"
#include "methods/sign_in_method.h"
#include "oidc/clients.h"
#include "oidc/key_ring.h"
#include "service/deliveries.h"
#include "service/fraud_reports.h"
#include "service/policy_service.h"
#include "service/security_info_service.h"
#include "service/session_service.h"
#include "service/user_admin_service.h"
#include "storage/store.h"

namespace tessera {

class Runtime {
 public:
  enum class Migration { apply, require_current };

  // Loads the master key, opens the store and either applies pending migrations or checks that
  // none are pending (failed_precondition telling to run `tessera migrate`).
  static Result<std::unique_ptr<Runtime>> open(const Config& config, Migration migration);

  const Config& config() const { return config_; }
  const Clock& clock() const { return *clock_; }
  Rng& rng() { return *rng_; }
  Store& store() { return *store_; }
  const PasswordHasher& hasher() const { return hasher_; }
  // The sign-in methods this server offers (sign_in_methods.cc registers them).
  const MethodRegistry& methods() const { return methods_; }
  UserAdminService& users() { return users_; }
  PolicyService& policy() { return policy_; }
  SessionService& sessions() { return sessions_; }
  SecurityInfoService& security_info() { return security_info_; }
  // Reports of sign-ins a user didn't start (0# on a call, "This wasn't me" in an email).
  FraudReports& fraud_reports() { return fraud_reports_; }
  // The OpenID Connect provider's signing keys and its registered apps.
  KeyRing& keys() { return keys_; }
  OidcClients& clients() { return clients_; }
  // Where methods' texts, calls and emails are queued (the server's dispatcher sends them).
  DeliveryQueue& deliveries() { return deliveries_; }
  // A key for CSRF tokens, derived from the master key (so every node has the same one).
  const SecretBytes& csrf_key() const { return csrf_key_; }
  // A key for hashing usernames that are no user (their lockout counters), derived likewise.
  const SecretBytes& name_key() const { return name_key_; }

 private:
  Runtime(Config config, std::unique_ptr<Rng> rng, std::unique_ptr<SecretSealer> sealer,
          std::unique_ptr<Store> store, SecretBytes csrf_key, SecretBytes name_key);

  // Declaration order is construction order: the store refers to the sealer and the rng, the
  // services to all of them.
  Config config_;
  std::unique_ptr<Clock> clock_;  // the system clock, or a FileClock under TESSERA_TEST_CLOCK_FILE
  std::unique_ptr<Rng> rng_;
  std::unique_ptr<SecretSealer> sealer_;
  std::unique_ptr<Store> store_;
  PasswordHasher hasher_;
  MethodRegistry methods_;
  DeliveryQueue deliveries_;
  UserAdminService users_;
  PolicyService policy_;
  SessionService sessions_;
  SecurityInfoService security_info_;
  FraudReports fraud_reports_;
  KeyRing keys_;
  OidcClients clients_;
  SecretBytes csrf_key_;
  SecretBytes name_key_;
};

// The sign-in methods a server offers, each added by one line (src/app/sign_in_methods.cc).
MethodRegistry sign_in_methods();

// Creates the directories of the SQLite file and the key file with mode 0700 if they are missing.
Status prepare_data_directories(const Config& config);

}  // namespace tessera
