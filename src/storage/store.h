// The Store is the seam between tessera and its database. Every piece of state (users, methods,
// policy, sessions, logs) lives here so that any node can serve any request. Two implementations
// share one SQL layer: SQLite (embedded, WAL) and PostgreSQL (libpq, pooled); one test suite
// (tests/store) proves they behave the same.
//
// Contracts common to every call:
// - Thread-safe: any thread may call any method concurrently.
// - Each call is atomic: it either happens completely or not at all (one transaction).
// - Errors: not_found for a missing row, already_exists for a taken unique name (UPN),
//   unavailable when the database cannot be reached or stays busy, data_loss when a sealed secret
//   fails to decrypt (wrong master key or tampering), internal otherwise.
// - Secrets (Method::secret) are sealed with AEAD before they are written (associated data = table
//   and row id) and opened on read; callers see plaintext SecretBytes only in memory.
// - Tokens are given to the store already hashed; the store never sees a bearer token.
// - `audit`, where a call takes one, is appended in the same transaction as the change when it is
//   not null, so the audit log never misses a change nor records one that did not happen.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "domain/log_records.h"
#include "domain/method.h"
#include "domain/policy.h"
#include "domain/session.h"
#include "domain/user.h"

namespace tessera {

struct UserListQuery {
  std::string upn_contains;  // case-insensitive substring; empty = all
  std::optional<MfaState> mfa_state;
  std::size_t limit = 100;  // 1-1000
  std::size_t offset = 0;
};

inline constexpr std::size_t kMaxFamiliarNetworks = 5;

struct FamiliarNetwork {
  std::string network;  // "203.0.113.0/24", "2001:db8:1:2::/64"
  Timestamp last_seen{};
  int failed_password_attempts = 0;
  std::optional<Timestamp> locked_until;
};

struct MethodStepGuard {
  std::string method_id;
  std::int64_t step = 0;
};

struct FlowRecord {
  std::string id_hash;  // hex SHA-256 of the flow id in the cookie
  SecretBytes state;    // the serialised flow
  std::int64_t version = 0;
  Timestamp expires_at{};
};

class Store {
 public:
  virtual ~Store() = default;

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

  // Users. UPNs are unique (canonical form). create_user fails with already_exists.
  virtual Status create_user(const User& user, const AuditLogEntry* audit) = 0;
  virtual Result<User> find_user_by_id(const std::string& id) = 0;
  virtual Result<User> find_user_by_upn(const std::string& canonical_upn) = 0;
  virtual Result<std::vector<User>> list_users(const UserListQuery& query) = 0;
  virtual Result<std::int64_t> count_users() = 0;
  // Replaces every mutable field of the user with this id (not id, upn, created_at).
  virtual Status update_user(const User& user, const AuditLogEntry* audit) = 0;
  // Deletes the user and everything that belongs to them (methods, sessions).
  virtual Status delete_user(const std::string& id, const AuditLogEntry* audit) = 0;

  // Password failures, atomically (two nodes counting the same user must not lose a count).
  // Increments the counter and returns the new value.
  virtual Result<int> record_password_failure(const std::string& user_id) = 0;
  virtual Status set_lockout(const std::string& user_id, std::optional<Timestamp> locked_until) = 0;
  virtual Status reset_password_failures(const std::string& user_id) = 0;

  // Familiar networks (smart lockout): where a user signed in before, each with its own
  // password-failure counter and lockout. remember_network records a successful sign-in from
  // `network` (clearing its counter) and keeps only the kMaxFamiliarNetworks most recent.
  virtual Result<std::optional<FamiliarNetwork>> find_familiar_network(
      const std::string& user_id, const std::string& network) = 0;
  virtual Status remember_network(const std::string& user_id, const std::string& network,
                                  Timestamp now) = 0;
  virtual Result<int> record_network_failure(const std::string& user_id,
                                             const std::string& network) = 0;
  virtual Status set_network_lockout(const std::string& user_id, const std::string& network,
                                     std::optional<Timestamp> locked_until) = 0;

  // Failed passwords per client network across all accounts. record_network_throttle_failure
  // counts one within a window that starts afresh when the last one began at or before
  // `window_start_limit`, and returns the count in the current window.
  virtual Result<std::optional<Timestamp>> network_throttled_until(const std::string& network) = 0;
  virtual Result<int> record_network_throttle_failure(const std::string& network, Timestamp now,
                                                      Timestamp window_start_limit) = 0;
  virtual Status set_network_throttle(const std::string& network, Timestamp locked_until) = 0;

  // Wrong MFA codes, counted like password failures but separately.
  virtual Result<int> record_code_failure(const std::string& user_id) = 0;
  virtual Status set_code_lockout(const std::string& user_id,
                                  std::optional<Timestamp> locked_until) = 0;
  virtual Status reset_code_failures(const std::string& user_id) = 0;

  // Methods. At most one default per user: adding or updating one with is_default clears the
  // others.
  virtual Status add_method(const Method& method, const AuditLogEntry* audit) = 0;
  virtual Result<std::vector<Method>> list_methods(const std::string& user_id) = 0;
  virtual Result<Method> find_method(const std::string& method_id) = 0;
  virtual Status delete_method(const std::string& method_id, const AuditLogEntry* audit) = 0;
  virtual Status set_default_method(const std::string& user_id, const std::string& method_id) = 0;
  // TOTP replay guard: sets last_used_step to `step` only if it is greater than the stored one.
  // Returns true if this call advanced it (the code may be accepted), false if the step was already
  // used — atomic across nodes.
  virtual Result<bool> advance_method_step(const std::string& method_id, std::int64_t step) = 0;

  // The org policy; a fresh database has the default OrgPolicy{}.
  virtual Result<OrgPolicy> load_policy() = 0;
  virtual Status save_policy(const OrgPolicy& policy, const AuditLogEntry* audit) = 0;

  // Sessions, by token hash.
  virtual Status create_session(const SessionRecord& session) = 0;
  virtual Result<SessionRecord> find_session(const std::string& token_hash) = 0;
  virtual Status touch_session(const std::string& token_hash, Timestamp last_seen_at) = 0;
  // Records a fresh MFA proof in the session (a step-up on Security info).
  virtual Status set_session_mfa(const std::string& token_hash, Timestamp mfa_at) = 0;
  virtual Status delete_session(const std::string& token_hash) = 0;
  virtual Status delete_user_sessions(const std::string& user_id) = 0;

  // Sign-in flows (sealed by the store, associated data "sign_in_flows:<id_hash>"). Flow writes
  // survive a crash of tessera but, unlike every other write, may be lost by a power cut: a lost
  // flow only means signing in again, and skipping the disk wait keeps sign-ins fast.
  // save_flow inserts when flow.version is 0 and otherwise updates only if the stored version still
  // equals flow.version (failed_precondition if another request changed it meanwhile); it returns
  // the new version.
  virtual Result<std::int64_t> save_flow(const FlowRecord& flow) = 0;
  // not_found when missing or expired at `now`.
  virtual Result<FlowRecord> find_flow(const std::string& id_hash, Timestamp now) = 0;
  virtual Status delete_flow(const std::string& id_hash) = 0;  // ok when already gone
  virtual Result<std::int64_t> delete_expired_flows(Timestamp now) = 0;

  // The end of a successful sign-in in one transaction: the TOTP replay guard (if any, as
  // advance_method_step; failed_precondition and nothing written when the step was already used),
  // the log entry (if any), the new session, the network to remember as familiar (if any, as
  // remember_network at session.created_at), and the flow deleted (so it cannot be replayed).
  virtual Status finish_sign_in(const SessionRecord& session, const SignInLogEntry* entry,
                                const std::string& flow_id_hash,
                                const MethodStepGuard* guard = nullptr,
                                const std::string* familiar_network = nullptr) = 0;

  // Logs, newest first.
  virtual Status append_sign_in(const SignInLogEntry& entry) = 0;
  virtual Result<std::vector<SignInLogEntry>> list_sign_ins(std::size_t limit) = 0;
  virtual Status append_audit(const AuditLogEntry& entry) = 0;
  virtual Result<std::vector<AuditLogEntry>> list_audit(std::size_t limit) = 0;
};

}  // namespace tessera
