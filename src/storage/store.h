// The Store is the seam between tessera and its database. Every piece of state (users, methods,
// policy, sessions, logs) lives here so that any node can serve any request. Two implementations
// share one SQL layer: SQLite (embedded, WAL) and PostgreSQL (libpq, pooled); one test suite
// (tests/store) proves they behave the same.
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
// - Secrets (Method::secret) are sealed with AEAD before they are written (associated data = table
//   and row id) and opened on read; callers see plaintext SecretBytes only in memory.
// - Tokens are given to the store already hashed; the store never sees a bearer token.
// - `audit`, where a call takes one, is appended in the same transaction as the change when it is
//   not null, so the audit log never misses a change nor records one that did not happen.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "domain/log_records.h"
#include "domain/policy.h"
#include "domain/session.h"
#include "domain/user.h"
#include "methods/method.h"

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

// How attempts lock: the attempt that brings a counter to a multiple of `threshold` starts a
// lockout of `duration`, doubling with each further lockout, up to `max_duration`.
struct LockoutRule {
  int threshold = 10;
  std::chrono::seconds duration{60};
  std::chrono::seconds max_duration{24 * 3600};
};

// A counted attempt: its number, and the lockout it started when it reached the threshold.
struct CountedAttempt {
  int count = 0;
  std::optional<Timestamp> locked_until;
};

struct FlowRecord {
  std::string id_hash;  // hex SHA-256 of the flow id in the cookie
  SecretBytes state;    // the serialised flow
  std::int64_t version = 0;
  Timestamp expires_at{};
  std::string user_id;    // the user the flow is about, once known (empty before), so ending a
                          // user's access can end their flows
  int code_attempts = 0;  // codes tried at the current step (count_flow_attempt); read only
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

  // Runs `work` in one transaction on one connection: every call it makes on `tx` commits together
  // or not at all. An error from `work` (or from the commit) rolls everything back and is returned.
  // `tx` belongs to this call (not thread-safe, must not escape `work`); transaction() on it runs
  // `work` inline. Flow writes inside are durable like the rest. Keep slow work (Argon2id) out.
  virtual Status transaction(const std::function<Status(Store& tx)>& work) = 0;

  // Users. UPNs are unique (canonical form). create_user fails with already_exists.
  virtual Status create_user(const User& user, const AuditLogEntry* audit) = 0;
  virtual Result<User> find_user_by_id(const std::string& id) = 0;
  virtual Result<User> find_user_by_upn(const std::string& canonical_upn) = 0;
  virtual Result<std::vector<User>> list_users(const UserListQuery& query) = 0;
  virtual Result<std::int64_t> count_users() = 0;
  // Deletes the user and everything that belongs to them (methods, sessions, flows).
  virtual Status delete_user(const std::string& id, const AuditLogEntry* audit) = 0;

  // Targeted changes to one user; not_found when there is no such user. A user's
  // security_version moves on with every change that must end sign-ins under way (password,
  // status, an admin's MFA change): a flow remembers the version it began with, and nothing is
  // issued for it once the version moved on.
  // The new password (and whether it is temporary, and when it changed); the new security
  // version. With `expected_security_version`, only if the user is still at that version
  // (failed_precondition otherwise).
  virtual Result<std::int64_t> update_password(
      const std::string& user_id, const std::string& password_hash, bool temporary,
      Timestamp changed_at, std::optional<std::int64_t> expected_security_version) = 0;
  // Replaces the hash only if it is still `old_hash` (a rehash with new parameters; the password
  // is unchanged, so is the security version). ok whether or not it replaced it.
  virtual Status replace_password_hash(const std::string& user_id, const std::string& old_hash,
                                       const std::string& new_hash) = 0;
  virtual Status set_password_temporary(const std::string& user_id, bool temporary) = 0;
  // The new status; returns the new security version.
  virtual Result<std::int64_t> update_status(const std::string& user_id, UserStatus status) = 0;
  // The MFA state (and when it changed); the security version is unchanged.
  virtual Status update_mfa_state(const std::string& user_id, MfaState state,
                                  Timestamp changed_at) = 0;
  virtual Result<std::int64_t> bump_security_version(const std::string& user_id) = 0;
  // ok when the user exists, is active and is still at `security_version`; failed_precondition
  // otherwise. Inside a transaction it also locks the user's row until the commit, so a
  // concurrent block, password change or deletion waits for it (and then undoes what it must).
  virtual Status check_user_unchanged(const std::string& user_id,
                                      std::int64_t security_version) = 0;
  virtual Status set_stay_prompt_suppressed(const std::string& user_id, bool suppressed) = 0;

  // Password attempts are counted before the password is checked, atomically, so parallel
  // requests cannot check more passwords than the limit allows. count_password_attempt adds one
  // and returns it, or nullopt without counting while the account is locked at `now`. The attempt
  // that reaches the threshold locks the account in the same statement (before its password is
  // checked: a right one lifts the lock with reset_password_failures), so no other attempt gets
  // past the limit meanwhile, on any node.
  // Attempt counters (count_* and reset_*_failures) are written like flows: outside a
  // transaction they skip the wait for the disk, so a power cut may forget a few recent attempts.
  virtual Result<std::optional<CountedAttempt>> count_password_attempt(const std::string& user_id,
                                                                       Timestamp now,
                                                                       const LockoutRule& rule) = 0;
  virtual Status set_lockout(const std::string& user_id, std::optional<Timestamp> locked_until) = 0;
  virtual Status reset_password_failures(const std::string& user_id) = 0;

  // Familiar networks (smart lockout): where a user signed in before, each with its own
  // password-attempt counter and lockout. remember_network records a successful sign-in from
  // `network` (clearing its counter) and keeps only the kMaxFamiliarNetworks most recent.
  virtual Result<std::optional<FamiliarNetwork>> find_familiar_network(
      const std::string& user_id, const std::string& network) = 0;
  virtual Status remember_network(const std::string& user_id, const std::string& network,
                                  Timestamp now) = 0;
  // Like count_password_attempt, for the familiar network's own counter; not_found when the
  // network is not familiar.
  virtual Result<std::optional<CountedAttempt>> count_network_attempt(const std::string& user_id,
                                                                      const std::string& network,
                                                                      Timestamp now,
                                                                      const LockoutRule& rule) = 0;
  virtual Status set_network_lockout(const std::string& user_id, const std::string& network,
                                     std::optional<Timestamp> locked_until) = 0;
  virtual Status reset_network_failures(const std::string& user_id, const std::string& network) = 0;

  // Password attempts for names that are no user, under a keyed hash of the name, so unknown
  // names lock exactly like accounts (no user enumeration) without storing what was typed.
  virtual Result<std::optional<Timestamp>> name_locked_until(const std::string& name_hash) = 0;
  virtual Result<std::optional<CountedAttempt>> count_name_attempt(const std::string& name_hash,
                                                                   Timestamp now,
                                                                   const LockoutRule& rule) = 0;

  // Failed passwords per client network across all accounts. record_network_throttle_failure
  // counts one within a window that starts afresh when the last one began at or before
  // `window_start_limit`, and returns the count in the current window.
  virtual Result<std::optional<Timestamp>> network_throttled_until(const std::string& network) = 0;
  virtual Result<int> record_network_throttle_failure(const std::string& network, Timestamp now,
                                                      Timestamp window_start_limit) = 0;
  virtual Status set_network_throttle(const std::string& network, Timestamp locked_until) = 0;

  // Sign-in flows started per client network, counted like record_network_throttle_failure.
  virtual Result<int> count_flow_start(const std::string& network, Timestamp now,
                                       Timestamp window_start_limit) = 0;

  // MFA code attempts per user, counted before the code is checked: adds one and returns the new
  // count, or nullopt without counting while codes are locked at `now` or the count is already
  // `limit`. set_code_lockout locks codes until `locked_until` and starts the count afresh.
  virtual Result<std::optional<int>> count_code_attempt(const std::string& user_id, Timestamp now,
                                                        int limit) = 0;
  virtual Status set_code_lockout(const std::string& user_id, Timestamp locked_until) = 0;
  virtual Status reset_code_failures(const std::string& user_id) = 0;

  // Methods. At most one default per user: adding or updating one with is_default clears the
  // others.
  virtual Status add_method(const Method& method, const AuditLogEntry* audit) = 0;
  virtual Result<std::vector<Method>> list_methods(const std::string& user_id) = 0;
  virtual Result<Method> find_method(const std::string& method_id) = 0;
  virtual Status delete_method(const std::string& method_id, const AuditLogEntry* audit) = 0;
  virtual Status set_default_method(const std::string& user_id, const std::string& method_id) = 0;
  // Replay guard of time-step codes: sets last_used_step to `step` only if it is greater than the
  // stored one. Returns true if this call advanced it (the code may be accepted), false if the step
  // was already used — atomic across nodes.
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

  // Sign-in flows (sealed by the store, associated data "sign_in_flows:<id_hash>"). Outside a
  // transaction, flow writes survive a crash of tessera but, unlike every other write, may be lost
  // by a power cut: a lost flow only means signing in again, and skipping the disk wait keeps
  // sign-ins fast.
  // save_flow inserts when flow.version is 0 and otherwise updates only if the stored version still
  // equals flow.version (failed_precondition if another request changed or ended it meanwhile); it
  // returns the new version. With `new_id_hash` the flow moves to that key in the same write (the
  // old id stops working) and its code attempts start again from 0.
  virtual Result<std::int64_t> save_flow(const FlowRecord& flow,
                                         const std::string* new_id_hash = nullptr) = 0;
  // not_found when missing or expired at `now`.
  virtual Result<FlowRecord> find_flow(const std::string& id_hash, Timestamp now) = 0;
  virtual Status delete_flow(const std::string& id_hash) = 0;  // ok when already gone
  // Deletes the flow only if it is still at `version`; failed_precondition otherwise, so of
  // several requests finishing one flow exactly one succeeds.
  virtual Status delete_flow_at_version(const std::string& id_hash, std::int64_t version) = 0;
  // Counts a code tried at the flow's current step before it is checked: the new count, or
  // nullopt (not counted) when `limit` codes were tried already or the flow is gone.
  virtual Result<std::optional<int>> count_flow_attempt(const std::string& id_hash, int limit) = 0;
  // Ends every flow of the user except `except_id_hash` (may be empty).
  virtual Status delete_user_flows(const std::string& user_id,
                                   const std::string& except_id_hash) = 0;
  // Expired flows, and per-name and per-network counters idle since `stale_before`.
  virtual Result<std::int64_t> delete_expired_flows(Timestamp now, Timestamp stale_before) = 0;

  // Logs, newest first.
  virtual Status append_sign_in(const SignInLogEntry& entry) = 0;
  virtual Result<std::vector<SignInLogEntry>> list_sign_ins(std::size_t limit) = 0;
  virtual Status append_audit(const AuditLogEntry& entry) = 0;
  virtual Result<std::vector<AuditLogEntry>> list_audit(std::size_t limit) = 0;
};

}  // namespace tessera
