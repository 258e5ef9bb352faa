// The Store is the seam between tessera and its database. Every piece of state lives here so that
// any node can serve any request. It is made of one small interface per aggregate (users,
// familiar networks, throttles, methods, sessions, flows, policy, logs, deliveries, remembered
// devices, fraud reports, the OpenID Connect provider; each in its
// own header) and one unit of work, transaction(), that a use case opens to change several of them
// at once. Two implementations share one SQL layer: SQLite (embedded, WAL) and PostgreSQL (libpq,
// pooled); one test suite (tests/store) proves they behave the same.
//
// Contracts common to every call:
// - Thread-safe: any thread may call any method concurrently (except on the Store a transaction()
//   hands to its work, which belongs to that one call).
// - Each call is atomic: it either happens completely or not at all (one transaction). A use case
//   that changes several things runs them in one transaction() so that nothing is half done.
// - Writes change only the columns they name, so two use cases changing different things of one
//   user (a lockout and a password) never undo each other.
// - Errors: not_found for a missing row, already_exists for a taken unique name (UPN),
//   unavailable when the database cannot be reached or stays busy, data_loss when a sealed secret
//   fails to decrypt (wrong master key or tampering), internal otherwise.
// - Secrets (Method::secret, Delivery::content) are sealed with AEAD before they are written
//   (associated data = table and row id) and opened on read; callers see plaintext SecretBytes
//   only in memory.
// - Tokens are given to the store already hashed; the store never sees a bearer token.
// - `audit`, where a call takes one, is appended in the same transaction as the change when it is
//   not null, so the audit log never misses a change nor records one that did not happen.
#pragma once

#include <functional>

#include "base/result.h"
#include "storage/delivery_store.h"
#include "storage/familiar_network_store.h"
#include "storage/flow_store.h"
#include "storage/fraud_report_store.h"
#include "storage/log_store.h"
#include "storage/method_store.h"
#include "storage/oidc_store.h"
#include "storage/policy_store.h"
#include "storage/remembered_device_store.h"
#include "storage/session_store.h"
#include "storage/throttle_store.h"
#include "storage/user_store.h"

namespace tessera {

class Store : public UserStore,
              public FamiliarNetworkStore,
              public ThrottleStore,
              public MethodStore,
              public SessionStore,
              public FlowStore,
              public PolicyStore,
              public LogStore,
              public DeliveryStore,
              public RememberedDeviceStore,
              public FraudReportStore,
              public OidcStore {
 public:
  ~Store() override = default;

  // Schema version applied (0 for an empty database) and the newest this build knows.
  virtual Result<int> schema_version() = 0;
  virtual int latest_schema_version() const = 0;
  // Applies every pending migration, each in its own transaction. Safe to call on every start and
  // concurrently from several nodes (the database serialises them).
  virtual Status migrate() = 0;
  // Proves the master key is the one this database's secrets were sealed with: the first call on a
  // migrated database seals a known value; later calls open it. data_loss (message naming the
  // master key) when it does not open.
  virtual Status verify_master_key() = 0;

  // The unit of work: runs `work` in one transaction on one connection, and every call it makes on
  // `tx` commits together or not at all. An error from `work` (or from the commit) rolls
  // everything back and is returned. `tx` belongs to this call (not thread-safe, must not escape
  // `work`); transaction() on it runs `work` inline. Flow and throttle writes inside are durable
  // like the rest. Keep slow work (Argon2id) out.
  virtual Status transaction(const std::function<Status(Store& tx)>& work) = 0;
};

}  // namespace tessera
