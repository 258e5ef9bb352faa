// The SqlStore's declaration, shared by the files that implement it (one per aggregate:
// sql_users.cc, sql_throttles.cc, sql_methods.cc, sql_sessions.cc, sql_flows.cc, sql_policy.cc,
// sql_logs.cc, sql_deliveries.cc, sql_security_events.cc, sql_oidc.cc; sql_store.cc holds the
// schema and the unit of work). Internal to the storage layer.
#pragma once

#include <algorithm>
#include <cctype>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>

#include "base/log.h"
#include "base/rng.h"
#include "crypto/aead.h"
#include "storage/sql.h"
#include "storage/store.h"

namespace tessera {

std::string_view migration_file(std::string_view name);
std::span<const std::string_view> migration_file_names();

namespace sql_detail {

constexpr std::string_view kUserColumns =
    "id, upn, display_name, status, password_hash, password_temporary, mfa_state, "
    "mfa_state_changed_at, created_at, password_changed_at, stay_prompt_suppressed, "
    "security_version, role, reset_prompted_at";
constexpr std::string_view kMethodColumns =
    "id, user_id, kind, label, detail, sealed_secret, is_default, created_at, last_used_step";
constexpr std::string_view kSessionColumns =
    "token_hash, user_id, created_at, last_seen_at, expires_at, persistent, mfa_at, amr";
constexpr std::string_view kDeliveryColumns =
    "id, channel, destination, user_id, sealed_content, status, attempts, last_error, provider_id, "
    "answer, created_at, updated_at, reports_fraud";
constexpr std::string_view kKeyCheckPlaintext = "tessera master key check";
constexpr std::size_t kMaxListLimit = 1000;
constexpr std::string_view kAdvanceStep =
    "UPDATE methods SET last_used_step = $2 WHERE id = $1 AND "
    "(last_used_step IS NULL OR last_used_step < $2)";

inline std::int64_t seconds(Timestamp t) {
  return to_unix_seconds(t);
}
inline SqlValue optional_seconds(const std::optional<Timestamp>& t) {
  return t ? SqlValue(seconds(*t)) : SqlValue(nullptr);
}
inline std::optional<Timestamp> optional_timestamp(const SqlRow& row, std::size_t column) {
  const auto value = row.optional_integer(column);
  return value ? std::optional<Timestamp>(from_unix_seconds(*value)) : std::nullopt;
}
inline std::string method_associated_data(const std::string& method_id) {
  return "methods:" + method_id;
}
inline std::string flow_associated_data(const std::string& id_hash) {
  return "sign_in_flows:" + id_hash;
}
inline std::string delivery_associated_data(std::string_view delivery_id) {
  return "deliveries:" + std::string(delivery_id);
}

// An enum stored as its number: anything outside [0, last] is a damaged row, never a guess (a
// clamped MFA state would turn a stray value into "enforced", or a status into "active").
template <typename Enum>
inline Result<Enum> stored_enum(std::int64_t value, Enum last, std::string_view what,
                                const std::string& row_id) {
  if (value < 0 || value > static_cast<std::int64_t>(last)) {
    return data_loss("the stored " + std::string(what) + " of " + row_id + " is unknown (" +
                     std::to_string(value) + ")");
  }
  return static_cast<Enum>(value);
}

inline Result<User> user_from(const SqlRow& row) {
  User user;
  user.id = row.text(0);
  user.upn = row.text(1);
  user.display_name = row.text(2);
  TESSERA_ASSIGN_OR_RETURN(
      user.status, stored_enum(row.integer(3), UserStatus::blocked, "status of user", user.id));
  user.password_hash = row.text(4);
  user.password_temporary = row.integer(5) != 0;
  TESSERA_ASSIGN_OR_RETURN(user.mfa_state, stored_enum(row.integer(6), MfaState::enforced,
                                                       "MFA state of user", user.id));
  user.mfa_state_changed_at = from_unix_seconds(row.integer(7));
  user.created_at = from_unix_seconds(row.integer(8));
  user.password_changed_at = from_unix_seconds(row.integer(9));
  user.stay_prompt_suppressed = row.integer(10) != 0;
  user.security_version = row.integer(11);
  TESSERA_ASSIGN_OR_RETURN(user.role,
                           stored_enum(row.integer(12), Role::admin, "role of user", user.id));
  user.reset_prompted_at = optional_timestamp(row, 13);
  return user;
}

inline SessionRecord session_from(const SqlRow& row) {
  SessionRecord session;
  session.token_hash = row.text(0);
  session.user_id = row.text(1);
  session.created_at = from_unix_seconds(row.integer(2));
  session.last_seen_at = from_unix_seconds(row.integer(3));
  session.expires_at = from_unix_seconds(row.integer(4));
  session.persistent = row.integer(5) != 0;
  session.mfa_at = optional_timestamp(row, 6);
  session.amr = row.text(7);
  return session;
}

// Escapes LIKE wildcards so a search for "a_b" matches only that text.
inline std::string like_pattern(std::string_view text) {
  std::string pattern = "%";
  for (const char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  pattern.push_back('%');
  return pattern;
}

inline Status insert_audit(SqlConnection& connection, const AuditLogEntry& entry) {
  return connection
      .execute(
          "INSERT INTO audit_log (id, time, actor, action, target, detail) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          {entry.id, seconds(entry.time), entry.actor, entry.action, entry.target, entry.detail})
      .status();
}

inline Status maybe_audit(SqlConnection& connection, const AuditLogEntry* audit) {
  return audit == nullptr ? Status() : insert_audit(connection, *audit);
}

inline SqlValue optional_text(const std::string& text) {
  return text.empty() ? SqlValue(nullptr) : SqlValue(text);
}

// Where a SqlStore's statements run: taken from the pool call by call (a call that changes
// several rows opens its own transaction), or all on one connection already inside a transaction
// (Store::transaction), where nothing opens another.
class Connections {
 public:
  explicit Connections(ConnectionPool& pool) : pool_(&pool) {}
  explicit Connections(SqlConnection& bound) : bound_(&bound) {}

  class Handle {
   public:
    explicit Handle(ConnectionPool::Lease lease) : lease_(std::move(lease)), raw_(&**lease_) {}
    explicit Handle(SqlConnection& bound) : raw_(&bound) {}
    SqlConnection* operator->() { return raw_; }
    SqlConnection& operator*() { return *raw_; }

   private:
    std::optional<ConnectionPool::Lease> lease_;
    SqlConnection* raw_;
  };

  bool bound() const { return bound_ != nullptr; }

  Result<Handle> acquire() {
    if (bound_ != nullptr) return Handle(*bound_);
    TESSERA_ASSIGN_OR_RETURN(ConnectionPool::Lease lease, pool_->acquire());
    return Handle(std::move(lease));
  }

  Status in_transaction(const std::function<Status(SqlConnection&)>& work) {
    if (bound_ != nullptr) return work(*bound_);
    return tessera::in_transaction(*pool_, work);
  }
  // in_transaction() whose own commit may skip the wait for the disk (see ephemeral()); inside a
  // caller's transaction it commits, durably, with the rest.
  Status in_ephemeral_transaction(const std::function<Status(SqlConnection&)>& work) {
    if (bound_ != nullptr) return work(*bound_);
    return tessera::in_transaction(*pool_, work, true);
  }

  // A write that may skip the wait for the disk (a flow): only outside a transaction, where it is
  // a transaction of its own; inside one it commits, durably, with the rest.
  Result<SqlResult> ephemeral(SqlConnection& connection, std::string_view sql,
                              const SqlParams& params) {
    if (bound_ != nullptr) return connection.execute(sql, params);
    return connection.execute_ephemeral(sql, params);
  }

 private:
  ConnectionPool* pool_ = nullptr;
  SqlConnection* bound_ = nullptr;
};

}  // namespace sql_detail

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<ConnectionPool> pool, const SecretSealer& sealer, Rng& rng)
      : owned_pool_(std::move(pool)), connections_(*owned_pool_), sealer_(sealer), rng_(rng) {}
  // A view of `parent` bound to one connection inside a transaction.
  SqlStore(SqlConnection& bound, const SecretSealer& sealer, Rng& rng)
      : connections_(bound), sealer_(sealer), rng_(rng) {}

  Status transaction(const std::function<Status(Store& tx)>& work) override;

  Result<int> schema_version() override;

  int latest_schema_version() const override;

  Status migrate() override;

  Status verify_master_key() override;

  Status create_user(const User& user, const AuditLogEntry* audit) override;

  Result<User> find_user_by_id(const std::string& id) override;

  Result<User> find_user_by_upn(const std::string& canonical_upn) override;

  Result<std::vector<User>> list_users(const UserListQuery& query) override;

  Result<std::int64_t> count_users() override;

  Result<std::int64_t> update_password(
      const std::string& user_id, const std::string& password_hash, bool temporary,
      Timestamp changed_at, std::optional<std::int64_t> expected_security_version) override;

  Status replace_password_hash(const std::string& user_id, const std::string& old_hash,
                               const std::string& new_hash) override;

  Status set_password_temporary(const std::string& user_id, bool temporary) override;

  Result<std::int64_t> update_status(const std::string& user_id, UserStatus status) override;

  Status update_mfa_state(const std::string& user_id, MfaState state,
                          Timestamp changed_at) override;

  Result<std::int64_t> bump_security_version(const std::string& user_id) override;

  Status check_user_unchanged(const std::string& user_id, std::int64_t security_version) override;

  Status set_stay_prompt_suppressed(const std::string& user_id, bool suppressed) override;
  Status mark_reset_prompted(const std::string& user_id, Timestamp at) override;
  Status update_role(const std::string& user_id, Role role) override;

  Status delete_user(const std::string& id, const AuditLogEntry* audit) override;

  Result<std::optional<FamiliarNetwork>> find_familiar_network(const std::string& user_id,
                                                               const std::string& network) override;

  Status remember_network(const std::string& user_id, const std::string& network,
                          Timestamp now) override;

  Result<std::int64_t> save_flow(const FlowRecord& flow, const std::string* new_id_hash) override;

  Result<FlowRecord> find_flow(const std::string& id_hash, Timestamp now) override;

  Status delete_flow(const std::string& id_hash) override;

  Status delete_flow_at_version(const std::string& id_hash, std::int64_t version) override;

  Result<std::optional<int>> count_flow_attempt(const std::string& id_hash, int limit) override;

  Status delete_user_flows(const std::string& user_id, const std::string& except_id_hash) override;

  Result<std::int64_t> delete_expired_flows(Timestamp now) override;

  Status add_method(const Method& method, const AuditLogEntry* audit) override;

  Result<std::vector<Method>> list_methods(const std::string& user_id) override;

  Result<Method> find_method(const std::string& method_id) override;

  Status delete_method(const std::string& method_id, const AuditLogEntry* audit) override;

  Status set_default_method(const std::string& user_id, const std::string& method_id) override;

  Result<bool> advance_method_step(const std::string& method_id, std::int64_t step) override;

  Result<OrgPolicy> load_policy() override;

  Status save_policy(const OrgPolicy& policy, const AuditLogEntry* audit) override;

  Status create_session(const SessionRecord& session) override;

  Result<SessionRecord> find_session(const std::string& token_hash) override;

  Status touch_session(const std::string& token_hash, Timestamp last_seen_at) override;

  Status set_session_mfa(const std::string& token_hash, Timestamp mfa_at) override;

  Status delete_session(const std::string& token_hash) override;

  Status delete_user_sessions(const std::string& user_id) override;

  Status append_sign_in(const SignInLogEntry& entry) override;

  Result<std::vector<SignInLogEntry>> list_sign_ins(std::size_t limit) override;

  Status append_audit(const AuditLogEntry& entry) override;

  Result<std::vector<AuditLogEntry>> list_audit(std::size_t limit) override;

  // Throttles (sql_throttles.cc).
  Result<std::optional<CountedAttempt>> count_attempt(const ThrottleKey& key, Timestamp now,
                                                      const ThrottleRule& rule) override;
  Result<std::optional<ThrottleState>> find_throttle(const std::string& key) override;
  Status reset_throttle(const std::string& key) override;
  Status reset_user_throttles(const std::string& user_id, const std::string& prefix) override;
  Status lock_throttle(const ThrottleKey& key, Timestamp locked_until) override;
  Result<std::int64_t> forget_idle_throttles(Timestamp now) override;

  // Deliveries (sql_deliveries.cc).
  Status add_delivery(const Delivery& delivery) override;
  Result<std::size_t> count_unsent_deliveries() override;
  Result<std::optional<Delivery>> claim_delivery(Timestamp now, Timestamp stale_before) override;
  Result<Delivery> find_delivery(std::string_view id) override;
  Result<bool> finish_delivery(std::string_view id, DeliveryStatus status,
                               std::string_view provider_id, std::string_view error,
                               bool keep_content, Timestamp now) override;
  Result<bool> answer_call(std::string_view id, CallAnswer answer, Timestamp now) override;
  Result<std::size_t> delete_deliveries_before(Timestamp cutoff) override;

  // Remembered devices and fraud reports (sql_security_events.cc).
  Status remember_device(const RememberedDevice& device) override;
  Result<std::optional<RememberedDevice>> find_remembered_device(const std::string& token_hash,
                                                                 Timestamp now) override;
  Result<std::size_t> forget_remembered_devices(const std::string& user_id) override;
  Result<std::size_t> count_remembered_devices(const std::string& user_id, Timestamp now) override;
  Status add_fraud_report(const FraudReport& report) override;
  Result<std::optional<FraudReport>> untold_fraud_report(const std::string& user_id) override;
  Status mark_fraud_reports_told(const std::string& user_id, Timestamp now) override;
  Status add_report_link(const std::string& token_hash, const std::string& user_id,
                         Timestamp expires_at) override;
  Result<std::string> take_report_link(const std::string& token_hash, Timestamp now) override;
  Result<std::string> peek_report_link(const std::string& token_hash, Timestamp now) override;
  Result<std::size_t> delete_expired_report_links(Timestamp now) override;

  // The OpenID Connect provider (sql_oidc.cc).
  Status add_oidc_client(const OidcClient& client, const AuditLogEntry* audit) override;
  Result<OidcClient> find_oidc_client(const std::string& id) override;
  Result<std::vector<OidcClient>> list_oidc_clients() override;
  Status delete_oidc_client(const std::string& id, const AuditLogEntry* audit) override;
  Result<std::vector<OidcSigningKey>> list_signing_keys(Timestamp retired_since) override;
  Status rotate_signing_keys(const std::vector<OidcSigningKey>& keys, Timestamp now,
                             const AuditLogEntry* audit) override;
  Status add_oidc_grant(const OidcGrant& grant, const OidcCode& code) override;
  Result<OidcGrant> find_oidc_grant(const std::string& id) override;
  Result<Redemption> redeem_oidc_code(const std::string& code_hash, Timestamp now,
                                      OidcCode& code) override;
  Status add_refresh_token(const OidcRefreshToken& token) override;
  Result<Redemption> redeem_refresh_token(const std::string& token_hash, Timestamp now,
                                          OidcRefreshToken& token) override;
  Result<std::optional<OidcRefreshToken>> find_refresh_token(
      const std::string& token_hash) override;
  Status revoke_oidc_grant(const std::string& grant_id, Timestamp now) override;
  Result<std::size_t> revoke_session_grants(const std::string& session_hash,
                                            Timestamp now) override;
  Status revoke_access_token(const std::string& jti, Timestamp expires_at) override;
  Result<bool> access_token_revoked(const std::string& jti) override;
  Result<std::size_t> delete_expired_oidc(Timestamp now) override;

 private:
  static Status upsert_network(SqlConnection& connection, const std::string& user_id,
                               const std::string& network, Timestamp now);

  static Status insert_session(SqlConnection& connection, const SessionRecord& session);

  static Status insert_sign_in(SqlConnection& connection, const SignInLogEntry& entry);

  Result<int> schema_version_on(SqlConnection& connection);

  Status apply_migration(SqlConnection& connection, int version, std::string_view name);

  Result<User> find_user(std::string_view column, const std::string& value);

  // Logs a policy row that does not parse, once per key and value.
  void report_bad_policy_row(const std::string& key, const std::string& value,
                             const Status& problem);

  Result<Method> method_from(const SqlRow& row);

  // A row of kDeliveryColumns, its content opened (empty when the column is null).
  Result<Delivery> delivery_from(const SqlRow& row);

  static Status require_user(SqlConnection& connection, const std::string& user_id);

  Result<std::int64_t> update_returning_version(std::string_view sql, const SqlParams& params);

  Status update_one(std::string_view sql, const SqlParams& params, std::string_view missing);

  std::unique_ptr<ConnectionPool> owned_pool_;  // null in a transaction's view
  sql_detail::Connections connections_;
  std::mutex reported_mutex_;
  std::set<std::pair<std::string, std::string>> reported_policy_rows_;
  const SecretSealer& sealer_;
  Rng& rng_;
};

}  // namespace tessera
