#include "storage/sql_store.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <set>
#include <span>

#include "base/ids.h"
#include "base/log.h"

namespace tessera {

std::string_view migration_file(std::string_view name);
std::span<const std::string_view> migration_file_names();

namespace {

constexpr std::string_view kUserColumns =
    "id, upn, display_name, status, password_hash, password_temporary, mfa_state, "
    "mfa_state_changed_at, created_at, password_changed_at, failed_password_attempts, "
    "locked_until, failed_code_attempts, code_locked_until, stay_prompt_suppressed, "
    "security_version";
constexpr std::string_view kMethodColumns =
    "id, user_id, kind, label, detail, sealed_secret, is_default, created_at, last_used_step";
constexpr std::string_view kSessionColumns =
    "token_hash, user_id, created_at, last_seen_at, expires_at, persistent, mfa_at";
constexpr std::string_view kKeyCheckPlaintext = "tessera master key check";
constexpr std::size_t kMaxListLimit = 1000;
constexpr std::string_view kAdvanceStep =
    "UPDATE methods SET last_used_step = $2 WHERE id = $1 AND "
    "(last_used_step IS NULL OR last_used_step < $2)";

std::int64_t seconds(Timestamp t) {
  return to_unix_seconds(t);
}
SqlValue optional_seconds(const std::optional<Timestamp>& t) {
  return t ? SqlValue(seconds(*t)) : SqlValue(nullptr);
}
std::optional<Timestamp> optional_timestamp(const SqlRow& row, std::size_t column) {
  const auto value = row.optional_integer(column);
  return value ? std::optional<Timestamp>(from_unix_seconds(*value)) : std::nullopt;
}
std::string method_associated_data(const std::string& method_id) {
  return "methods:" + method_id;
}
std::string flow_associated_data(const std::string& id_hash) {
  return "sign_in_flows:" + id_hash;
}

// An enum stored as its number: anything outside [0, last] is a damaged row, never a guess (a
// clamped MFA state would turn a stray value into "enforced", or a status into "active").
template <typename Enum>
Result<Enum> stored_enum(std::int64_t value, Enum last, std::string_view what,
                         const std::string& row_id) {
  if (value < 0 || value > static_cast<std::int64_t>(last)) {
    return data_loss("the stored " + std::string(what) + " of " + row_id + " is unknown (" +
                     std::to_string(value) + ")");
  }
  return static_cast<Enum>(value);
}

Result<User> user_from(const SqlRow& row) {
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
  user.failed_password_attempts = static_cast<int>(row.integer(10));
  user.locked_until = optional_timestamp(row, 11);
  user.failed_code_attempts = static_cast<int>(row.integer(12));
  user.code_locked_until = optional_timestamp(row, 13);
  user.stay_prompt_suppressed = row.integer(14) != 0;
  user.security_version = row.integer(15);
  return user;
}

SessionRecord session_from(const SqlRow& row) {
  SessionRecord session;
  session.token_hash = row.text(0);
  session.user_id = row.text(1);
  session.created_at = from_unix_seconds(row.integer(2));
  session.last_seen_at = from_unix_seconds(row.integer(3));
  session.expires_at = from_unix_seconds(row.integer(4));
  session.persistent = row.integer(5) != 0;
  session.mfa_at = optional_timestamp(row, 6);
  return session;
}

// Escapes LIKE wildcards so a search for "a_b" matches only that text.
std::string like_pattern(std::string_view text) {
  std::string pattern = "%";
  for (const char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  pattern.push_back('%');
  return pattern;
}

Status insert_audit(SqlConnection& connection, const AuditLogEntry& entry) {
  return connection
      .execute(
          "INSERT INTO audit_log (id, time, actor, action, target, detail) "
          "VALUES ($1, $2, $3, $4, $5, $6)",
          {entry.id, seconds(entry.time), entry.actor, entry.action, entry.target, entry.detail})
      .status();
}

Status maybe_audit(SqlConnection& connection, const AuditLogEntry* audit) {
  return audit == nullptr ? Status() : insert_audit(connection, *audit);
}

// The SQL that locks when a counter reaches the threshold: for `counted` (the counter after this
// attempt), CASE giving `now + duration * 2^(lockouts - 1)` (at most 12 doublings, capped) when
// `counted` is a multiple of the threshold, else `otherwise`. `p` names the parameters holding
// now, threshold, duration and max duration, in that order (e.g. {"$2", "$3", "$4", "$5"}).
std::string lock_expression(const std::string& counted, const std::string& otherwise,
                            const std::array<std::string, 4>& p) {
  const std::string threshold = "CAST(" + p[1] + " AS BIGINT)";
  const std::string lockouts = "(CASE WHEN " + counted + " / " + threshold + " > 12 THEN 12 ELSE " +
                               counted + " / " + threshold + " END)";
  const std::string doubled = "(CAST(" + p[2] + " AS BIGINT) * (CAST(1 AS BIGINT) << CAST(" +
                              lockouts + " - 1 AS INTEGER)))";
  const std::string max = "CAST(" + p[3] + " AS BIGINT)";
  return "CASE WHEN " + counted + " % " + threshold + " = 0 THEN CAST(" + p[0] +
         " AS BIGINT) + (CASE WHEN " + doubled + " > " + max + " THEN " + max + " ELSE " + doubled +
         " END) ELSE " + otherwise + " END";
}

std::int64_t threshold_of(const LockoutRule& rule) {
  return std::max(1, rule.threshold);
}

// The attempt a counting statement returned (count, locked_until): the lock counts as started by
// this attempt only when it reached the threshold.
std::optional<CountedAttempt> counted_attempt(const SqlResult& result, const LockoutRule& rule) {
  if (result.rows.empty()) return std::nullopt;
  CountedAttempt attempt;
  attempt.count = static_cast<int>(result.rows[0].integer(0));
  if (attempt.count % threshold_of(rule) == 0) {
    attempt.locked_until = optional_timestamp(result.rows[0], 1);
  }
  return attempt;
}

SqlValue optional_text(const std::string& text) {
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

class SqlStore final : public Store {
 public:
  SqlStore(std::unique_ptr<ConnectionPool> pool, const SecretSealer& sealer, Rng& rng)
      : owned_pool_(std::move(pool)), connections_(*owned_pool_), sealer_(sealer), rng_(rng) {}
  // A view of `parent` bound to one connection inside a transaction.
  SqlStore(SqlConnection& bound, const SecretSealer& sealer, Rng& rng)
      : connections_(bound), sealer_(sealer), rng_(rng) {}

  Status transaction(const std::function<Status(Store& tx)>& work) override {
    if (connections_.bound()) return work(*this);
    return connections_.in_transaction([&](SqlConnection& connection) -> Status {
      SqlStore bound(connection, sealer_, rng_);
      return work(bound);
    });
  }

  Result<int> schema_version() override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    return schema_version_on(*connection);
  }

  int latest_schema_version() const override {
    return static_cast<int>(migration_file_names().size());
  }

  Status migrate() override {
    const auto names = migration_file_names();
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    for (std::size_t index = 0; index < names.size(); ++index) {
      const int version = static_cast<int>(index + 1);
      TESSERA_RETURN_IF_ERROR(connection->begin_migration());
      Status applied = apply_migration(*connection, version, names[index]);
      if (applied.ok()) applied = connection->commit();
      if (!applied.ok()) {
        connection->rollback();
        return Status(applied.code(),
                      "migration " + std::string(names[index]) + " failed: " + applied.message());
      }
    }
    return Status();
  }

  Status verify_master_key() override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult found,
        connection->execute("SELECT sealed FROM master_key_check WHERE id = 1", {}));
    const std::string_view associated_data = "master_key_check:1";
    if (found.rows.empty()) {
      const auto plaintext = SecretBytes::from_string(kKeyCheckPlaintext);
      auto sealed = sealer_.seal(plaintext.span(), associated_data, rng_);
      // Two nodes starting together may both get here: the first row wins, and every node then
      // opens the row that won, so a node with another key fails instead of starting.
      TESSERA_RETURN_IF_ERROR(
          connection
              ->execute("INSERT INTO master_key_check (id, sealed) VALUES (1, $1) "
                        "ON CONFLICT (id) DO NOTHING",
                        {SqlBlob{std::move(sealed)}})
              .status());
      TESSERA_ASSIGN_OR_RETURN(
          found, connection->execute("SELECT sealed FROM master_key_check WHERE id = 1", {}));
      if (found.rows.empty()) return internal_error("the master key check row is missing");
    }
    if (!sealer_.open(found.rows[0].blob(0), associated_data).ok()) {
      return data_loss(
          "the master key does not match this database (wrong key file or TESSERA_MASTER_KEY)");
    }
    return Status();
  }

  Status create_user(const User& user, const AuditLogEntry* audit) override {
    return connections_.in_transaction([&](SqlConnection& connection) -> Status {
      auto inserted = connection.execute(
          "INSERT INTO users (" + std::string(kUserColumns) +
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
          {user.id, user.upn, user.display_name, static_cast<std::int64_t>(user.status),
           user.password_hash, std::int64_t{user.password_temporary},
           static_cast<std::int64_t>(user.mfa_state), seconds(user.mfa_state_changed_at),
           seconds(user.created_at), seconds(user.password_changed_at),
           std::int64_t{user.failed_password_attempts}, optional_seconds(user.locked_until),
           std::int64_t{user.failed_code_attempts}, optional_seconds(user.code_locked_until),
           std::int64_t{user.stay_prompt_suppressed}, user.security_version});
      if (!inserted.ok()) {
        if (inserted.status().code() == ErrorCode::already_exists) {
          return already_exists("a user " + user.upn + " already exists");
        }
        return inserted.status();
      }
      return maybe_audit(connection, audit);
    });
  }

  Result<User> find_user_by_id(const std::string& id) override { return find_user("id", id); }

  Result<User> find_user_by_upn(const std::string& canonical_upn) override {
    return find_user("upn", canonical_upn);
  }

  Result<std::vector<User>> list_users(const UserListQuery& query) override {
    // Every value is a parameter, so the statement text never varies (and is prepared once).
    const std::string sql = "SELECT " + std::string(kUserColumns) +
                            " FROM users WHERE upn LIKE $1 ESCAPE '\\' AND ($2 < 0 OR "
                            "mfa_state = $2) ORDER BY upn LIMIT $3 OFFSET $4";
    const std::size_t limit = std::clamp<std::size_t>(query.limit, 1, kMaxListLimit);
    const SqlParams params{
        like_pattern(query.upn_contains),
        query.mfa_state ? static_cast<std::int64_t>(*query.mfa_state) : std::int64_t{-1},
        static_cast<std::int64_t>(limit), static_cast<std::int64_t>(query.offset)};
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(SqlResult result, connection->execute(sql, params));
    std::vector<User> users;
    users.reserve(result.rows.size());
    for (const SqlRow& row : result.rows) {
      TESSERA_ASSIGN_OR_RETURN(User user, user_from(row));
      users.push_back(std::move(user));
    }
    return users;
  }

  Result<std::int64_t> count_users() override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(SqlResult result,
                             connection->execute("SELECT COUNT(*) FROM users", {}));
    return result.rows.empty() ? 0 : result.rows[0].integer(0);
  }

  Result<std::int64_t> update_password(
      const std::string& user_id, const std::string& password_hash, bool temporary,
      Timestamp changed_at, std::optional<std::int64_t> expected_security_version) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult updated,
        connection->execute(
            "UPDATE users SET password_hash = $2, password_temporary = $3, "
            "password_changed_at = $4, security_version = security_version + 1 "
            "WHERE id = $1 AND (security_version = $5 OR $5 < 0) RETURNING security_version",
            {user_id, password_hash, std::int64_t{temporary}, seconds(changed_at),
             expected_security_version.value_or(-1)}));
    if (!updated.rows.empty()) return updated.rows[0].integer(0);
    TESSERA_RETURN_IF_ERROR(require_user(*connection, user_id));
    return failed_precondition("the user changed meanwhile");
  }

  Status replace_password_hash(const std::string& user_id, const std::string& old_hash,
                               const std::string& new_hash) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    return connection
        ->execute("UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2",
                  {user_id, old_hash, new_hash})
        .status();
  }

  Status set_password_temporary(const std::string& user_id, bool temporary) override {
    return update_one("UPDATE users SET password_temporary = $2 WHERE id = $1",
                      {user_id, std::int64_t{temporary}}, "no such user");
  }

  Result<std::int64_t> update_status(const std::string& user_id, UserStatus status) override {
    return update_returning_version(
        "UPDATE users SET status = $2, security_version = security_version + 1 WHERE id = $1 "
        "RETURNING security_version",
        {user_id, static_cast<std::int64_t>(status)});
  }

  Status update_mfa_state(const std::string& user_id, MfaState state,
                          Timestamp changed_at) override {
    return update_one("UPDATE users SET mfa_state = $2, mfa_state_changed_at = $3 WHERE id = $1",
                      {user_id, static_cast<std::int64_t>(state), seconds(changed_at)},
                      "no such user");
  }

  Result<std::int64_t> bump_security_version(const std::string& user_id) override {
    return update_returning_version(
        "UPDATE users SET security_version = security_version + 1 WHERE id = $1 "
        "RETURNING security_version",
        {user_id});
  }

  Status check_user_unchanged(const std::string& user_id, std::int64_t security_version) override {
    // An UPDATE rather than a SELECT: it takes the row's write lock on PostgreSQL (SQLite's
    // transactions already hold the database's), and PostgreSQL re-checks the condition once a
    // concurrent change of the row commits.
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult updated,
        connection->execute(
            "UPDATE users SET security_version = security_version WHERE id = $1 "
            "AND status = $2 AND security_version = $3",
            {user_id, static_cast<std::int64_t>(UserStatus::active), security_version}));
    if (updated.affected_rows == 0) {
      return failed_precondition("the user was blocked, changed or deleted meanwhile");
    }
    return Status();
  }

  Status set_stay_prompt_suppressed(const std::string& user_id, bool suppressed) override {
    return update_one("UPDATE users SET stay_prompt_suppressed = $2 WHERE id = $1",
                      {user_id, std::int64_t{suppressed}}, "no such user");
  }

  Status delete_user(const std::string& id, const AuditLogEntry* audit) override {
    return connections_.in_transaction([&](SqlConnection& connection) -> Status {
      TESSERA_ASSIGN_OR_RETURN(SqlResult deleted,
                               connection.execute("DELETE FROM users WHERE id = $1", {id}));
      if (deleted.affected_rows == 0) return not_found("no such user");
      TESSERA_RETURN_IF_ERROR(
          connection.execute("DELETE FROM sign_in_flows WHERE user_id = $1", {id}).status());
      return maybe_audit(connection, audit);
    });
  }

  Result<std::optional<CountedAttempt>> count_password_attempt(const std::string& user_id,
                                                               Timestamp now,
                                                               const LockoutRule& rule) override {
    static const std::string sql =
        "UPDATE users SET failed_password_attempts = failed_password_attempts + 1, "
        "locked_until = " +
        lock_expression("(failed_password_attempts + 1)", "locked_until",
                        {"$2", "$3", "$4", "$5"}) +
        " WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) "
        "RETURNING failed_password_attempts, locked_until";
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(SqlResult result,
                             connections_.ephemeral(*connection, sql,
                                                    {user_id, seconds(now), threshold_of(rule),
                                                     std::int64_t{rule.duration.count()},
                                                     std::int64_t{rule.max_duration.count()}}));
    if (!result.rows.empty()) return counted_attempt(result, rule);
    TESSERA_RETURN_IF_ERROR(require_user(*connection, user_id));
    return std::optional<CountedAttempt>();
  }

  Status set_lockout(const std::string& user_id, std::optional<Timestamp> locked_until) override {
    return update_one("UPDATE users SET locked_until = $2 WHERE id = $1",
                      {user_id, optional_seconds(locked_until)}, "no such user");
  }

  Status reset_password_failures(const std::string& user_id) override {
    return update_one_ephemeral(
        "UPDATE users SET failed_password_attempts = 0, locked_until = NULL WHERE id = $1",
        {user_id}, "no such user");
  }

  Status reset_network_failures(const std::string& user_id, const std::string& network) override {
    return update_one_ephemeral(
        "UPDATE familiar_networks SET failed_password_attempts = 0, locked_until = NULL "
        "WHERE user_id = $1 AND network = $2",
        {user_id, network}, "no such familiar network");
  }

  Result<std::optional<FamiliarNetwork>> find_familiar_network(
      const std::string& user_id, const std::string& network) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connection->execute("SELECT network, last_seen, failed_password_attempts, locked_until "
                            "FROM familiar_networks WHERE user_id = $1 AND network = $2",
                            {user_id, network}));
    if (result.rows.empty()) return std::optional<FamiliarNetwork>();
    const SqlRow& row = result.rows[0];
    return std::optional<FamiliarNetwork>(
        FamiliarNetwork{row.text(0), from_unix_seconds(row.integer(1)),
                        static_cast<int>(row.integer(2)), optional_timestamp(row, 3)});
  }

  Status remember_network(const std::string& user_id, const std::string& network,
                          Timestamp now) override {
    return connections_.in_transaction([&](SqlConnection& connection) -> Status {
      return upsert_network(connection, user_id, network, now);
    });
  }

  static Status upsert_network(SqlConnection& connection, const std::string& user_id,
                               const std::string& network, Timestamp now) {
    TESSERA_RETURN_IF_ERROR(
        connection
            .execute("INSERT INTO familiar_networks (user_id, network, last_seen) "
                     "VALUES ($1, $2, $3) ON CONFLICT (user_id, network) DO UPDATE SET "
                     "last_seen = excluded.last_seen, failed_password_attempts = 0, "
                     "locked_until = NULL",
                     {user_id, network, seconds(now)})
            .status());
    // Forget all but the most recent few.
    return connection
        .execute(
            "DELETE FROM familiar_networks WHERE user_id = $1 AND network NOT IN "
            "(SELECT network FROM familiar_networks WHERE user_id = $1 "
            "ORDER BY last_seen DESC, network LIMIT $2)",
            {user_id, static_cast<std::int64_t>(kMaxFamiliarNetworks)})
        .status();
  }

  Result<std::optional<CountedAttempt>> count_network_attempt(const std::string& user_id,
                                                              const std::string& network,
                                                              Timestamp now,
                                                              const LockoutRule& rule) override {
    static const std::string sql =
        "UPDATE familiar_networks SET failed_password_attempts = failed_password_attempts + 1, "
        "locked_until = " +
        lock_expression("(failed_password_attempts + 1)", "locked_until",
                        {"$3", "$4", "$5", "$6"}) +
        " WHERE user_id = $1 AND network = $2 AND (locked_until IS NULL OR locked_until <= $3) "
        "RETURNING failed_password_attempts, locked_until";
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connections_.ephemeral(
            *connection, sql,
            {user_id, network, seconds(now), threshold_of(rule),
             std::int64_t{rule.duration.count()}, std::int64_t{rule.max_duration.count()}}));
    if (!result.rows.empty()) return counted_attempt(result, rule);
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult found,
        connection->execute("SELECT 1 FROM familiar_networks WHERE user_id = $1 AND network = $2",
                            {user_id, network}));
    if (found.rows.empty()) return not_found("no such familiar network");
    return std::optional<CountedAttempt>();
  }

  Status set_network_lockout(const std::string& user_id, const std::string& network,
                             std::optional<Timestamp> locked_until) override {
    return update_one(
        "UPDATE familiar_networks SET locked_until = $3 WHERE user_id = $1 AND network = $2",
        {user_id, network, optional_seconds(locked_until)}, "no such familiar network");
  }

  Result<std::optional<Timestamp>> name_locked_until(const std::string& name_hash) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connection->execute(
            "SELECT locked_until FROM password_failures_by_name WHERE name_hash = $1",
            {name_hash}));
    if (result.rows.empty()) return std::optional<Timestamp>();
    return optional_timestamp(result.rows[0], 0);
  }

  Result<std::optional<CountedAttempt>> count_name_attempt(const std::string& name_hash,
                                                           Timestamp now,
                                                           const LockoutRule& rule) override {
    static const std::string sql =
        "INSERT INTO password_failures_by_name (name_hash, failed_password_attempts, "
        "last_attempt_at, locked_until) VALUES ($1, 1, $2, " +
        lock_expression("1", "NULL", {"$2", "$3", "$4", "$5"}) +
        ") ON CONFLICT (name_hash) DO UPDATE SET "
        "failed_password_attempts = password_failures_by_name.failed_password_attempts + 1, "
        "last_attempt_at = excluded.last_attempt_at, locked_until = " +
        lock_expression("(password_failures_by_name.failed_password_attempts + 1)",
                        "password_failures_by_name.locked_until", {"$2", "$3", "$4", "$5"}) +
        " WHERE password_failures_by_name.locked_until IS NULL OR "
        "password_failures_by_name.locked_until <= excluded.last_attempt_at "
        "RETURNING failed_password_attempts, locked_until";
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(SqlResult result,
                             connections_.ephemeral(*connection, sql,
                                                    {name_hash, seconds(now), threshold_of(rule),
                                                     std::int64_t{rule.duration.count()},
                                                     std::int64_t{rule.max_duration.count()}}));
    return counted_attempt(result, rule);
  }

  Result<int> count_flow_start(const std::string& network, Timestamp now,
                               Timestamp window_start_limit) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connections_.ephemeral(
            *connection,
            "INSERT INTO flow_starts_by_network (network, starts, window_start) "
            "VALUES ($1, 1, $2) ON CONFLICT (network) DO UPDATE SET "
            "starts = CASE WHEN flow_starts_by_network.window_start <= $3 THEN 1 "
            "ELSE flow_starts_by_network.starts + 1 END, "
            "window_start = CASE WHEN flow_starts_by_network.window_start <= $3 THEN $2 "
            "ELSE flow_starts_by_network.window_start END "
            "RETURNING starts",
            {network, seconds(now), seconds(window_start_limit)}));
    if (result.rows.empty()) return internal_error("counting a flow start returned nothing");
    return static_cast<int>(result.rows[0].integer(0));
  }

  Result<std::optional<Timestamp>> network_throttled_until(const std::string& network) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connection->execute(
            "SELECT locked_until FROM password_failures_by_network WHERE network = $1", {network}));
    if (result.rows.empty()) return std::optional<Timestamp>();
    return optional_timestamp(result.rows[0], 0);
  }

  Result<int> record_network_throttle_failure(const std::string& network, Timestamp now,
                                              Timestamp window_start_limit) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connection->execute(
            "INSERT INTO password_failures_by_network (network, failures, window_start) "
            "VALUES ($1, 1, $2) ON CONFLICT (network) DO UPDATE SET "
            "failures = CASE WHEN password_failures_by_network.window_start <= $3 THEN 1 "
            "ELSE password_failures_by_network.failures + 1 END, "
            "window_start = CASE WHEN password_failures_by_network.window_start <= $3 THEN $2 "
            "ELSE password_failures_by_network.window_start END "
            "RETURNING failures",
            {network, seconds(now), seconds(window_start_limit)}));
    if (result.rows.empty()) return internal_error("counting a network failure returned nothing");
    return static_cast<int>(result.rows[0].integer(0));
  }

  Status set_network_throttle(const std::string& network, Timestamp locked_until) override {
    return update_one(
        "UPDATE password_failures_by_network SET locked_until = $2 WHERE network = $1",
        {network, seconds(locked_until)}, "no failures recorded for this network");
  }

  Result<std::optional<int>> count_code_attempt(const std::string& user_id, Timestamp now,
                                                int limit) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connections_.ephemeral(
            *connection,
            "UPDATE users SET failed_code_attempts = failed_code_attempts + 1 WHERE id = $1 "
            "AND (code_locked_until IS NULL OR code_locked_until <= $2) "
            "AND failed_code_attempts < $3 RETURNING failed_code_attempts",
            {user_id, seconds(now), std::int64_t{limit}}));
    if (!result.rows.empty())
      return std::optional<int>(static_cast<int>(result.rows[0].integer(0)));
    TESSERA_RETURN_IF_ERROR(require_user(*connection, user_id));
    return std::optional<int>();
  }

  Status set_code_lockout(const std::string& user_id, Timestamp locked_until) override {
    return update_one(
        "UPDATE users SET failed_code_attempts = 0, code_locked_until = $2 WHERE id = $1",
        {user_id, seconds(locked_until)}, "no such user");
  }

  Status reset_code_failures(const std::string& user_id) override {
    return update_one(
        "UPDATE users SET failed_code_attempts = 0, code_locked_until = NULL WHERE id = $1",
        {user_id}, "no such user");
  }

  Result<std::int64_t> save_flow(const FlowRecord& flow, const std::string* new_id_hash) override {
    const std::string& key = new_id_hash != nullptr ? *new_id_hash : flow.id_hash;
    auto sealed = sealer_.seal(flow.state.span(), flow_associated_data(key), rng_);
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    if (flow.version == 0) {
      TESSERA_RETURN_IF_ERROR(
          connections_
              .ephemeral(*connection,
                         "INSERT INTO sign_in_flows (id_hash, sealed_state, version, expires_at, "
                         "user_id) VALUES ($1, $2, 1, $3, $4)",
                         {key, SqlBlob{std::move(sealed)}, seconds(flow.expires_at),
                          optional_text(flow.user_id)})
              .status());
      return 1;
    }
    // One statement whether or not the flow moves to a new key, so it is prepared once.
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult updated,
        connections_.ephemeral(
            *connection,
            "UPDATE sign_in_flows SET id_hash = $5, sealed_state = $2, version = version + 1, "
            "expires_at = $4, user_id = $6, "
            "code_attempts = CASE WHEN $5 = $1 THEN code_attempts ELSE 0 END "
            "WHERE id_hash = $1 AND version = $3",
            {flow.id_hash, SqlBlob{std::move(sealed)}, flow.version, seconds(flow.expires_at), key,
             optional_text(flow.user_id)}));
    if (updated.affected_rows == 0) {
      return failed_precondition("the sign-in flow was changed or ended by another request");
    }
    return flow.version + 1;
  }

  Result<FlowRecord> find_flow(const std::string& id_hash, Timestamp now) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connection->execute("SELECT sealed_state, version, expires_at, user_id, code_attempts "
                            "FROM sign_in_flows WHERE id_hash = $1 AND expires_at > $2",
                            {id_hash, seconds(now)}));
    if (result.rows.empty()) return not_found("no such sign-in flow");
    const SqlRow& row = result.rows[0];
    FlowRecord flow;
    flow.id_hash = id_hash;
    TESSERA_ASSIGN_OR_RETURN(flow.state, sealer_.open(row.blob(0), flow_associated_data(id_hash)));
    flow.version = row.integer(1);
    flow.expires_at = from_unix_seconds(row.integer(2));
    flow.user_id = row.text(3);
    flow.code_attempts = static_cast<int>(row.integer(4));
    return flow;
  }

  Status delete_flow(const std::string& id_hash) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    return connections_
        .ephemeral(*connection, "DELETE FROM sign_in_flows WHERE id_hash = $1", {id_hash})
        .status();
  }

  Status delete_flow_at_version(const std::string& id_hash, std::int64_t version) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult deleted,
        connections_.ephemeral(*connection,
                               "DELETE FROM sign_in_flows WHERE id_hash = $1 AND version = $2",
                               {id_hash, version}));
    if (deleted.affected_rows == 0) {
      return failed_precondition("the sign-in flow was changed or ended by another request");
    }
    return Status();
  }

  Result<std::optional<int>> count_flow_attempt(const std::string& id_hash, int limit) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connections_.ephemeral(*connection,
                               "UPDATE sign_in_flows SET code_attempts = code_attempts + 1 "
                               "WHERE id_hash = $1 AND code_attempts < $2 RETURNING code_attempts",
                               {id_hash, std::int64_t{limit}}));
    if (result.rows.empty()) return std::optional<int>();
    return std::optional<int>(static_cast<int>(result.rows[0].integer(0)));
  }

  Status delete_user_flows(const std::string& user_id, const std::string& except_id_hash) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    return connections_
        .ephemeral(*connection, "DELETE FROM sign_in_flows WHERE user_id = $1 AND id_hash <> $2",
                   {user_id, except_id_hash})
        .status();
  }

  Result<std::int64_t> delete_expired_flows(Timestamp now, Timestamp stale_before) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult deleted,
        connections_.ephemeral(*connection, "DELETE FROM sign_in_flows WHERE expires_at <= $1",
                               {seconds(now)}));
    // Counters nobody added to for a long time and that lock nothing any more.
    TESSERA_RETURN_IF_ERROR(
        connections_
            .ephemeral(*connection,
                       "DELETE FROM password_failures_by_name WHERE last_attempt_at <= $1 AND "
                       "(locked_until IS NULL OR locked_until <= $2)",
                       {seconds(stale_before), seconds(now)})
            .status());
    TESSERA_RETURN_IF_ERROR(
        connections_
            .ephemeral(*connection, "DELETE FROM flow_starts_by_network WHERE window_start <= $1",
                       {seconds(stale_before)})
            .status());
    return deleted.affected_rows;
  }

  Status add_method(const Method& method, const AuditLogEntry* audit) override {
    auto sealed = sealer_.seal(method.secret.span(), method_associated_data(method.id), rng_);
    return connections_.in_transaction([&](SqlConnection& connection) -> Status {
      if (method.is_default) {
        TESSERA_RETURN_IF_ERROR(
            connection
                .execute("UPDATE methods SET is_default = 0 WHERE user_id = $1", {method.user_id})
                .status());
      }
      auto inserted = connection.execute(
          "INSERT INTO methods (" + std::string(kMethodColumns) +
              ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
          {method.id, method.user_id, static_cast<std::int64_t>(method.kind), method.label,
           method.detail, SqlBlob{sealed}, std::int64_t{method.is_default},
           seconds(method.created_at),
           method.last_used_step ? SqlValue(*method.last_used_step) : SqlValue(nullptr)});
      if (!inserted.ok()) {
        if (inserted.status().code() == ErrorCode::failed_precondition) {
          return not_found("no such user for this method");
        }
        return inserted.status();
      }
      return maybe_audit(connection, audit);
    });
  }

  Result<std::vector<Method>> list_methods(const std::string& user_id) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connection->execute("SELECT " + std::string(kMethodColumns) +
                                " FROM methods WHERE user_id = $1 ORDER BY created_at, id",
                            {user_id}));
    std::vector<Method> methods;
    for (const SqlRow& row : result.rows) {
      TESSERA_ASSIGN_OR_RETURN(Method method, method_from(row));
      methods.push_back(std::move(method));
    }
    return methods;
  }

  Result<Method> find_method(const std::string& method_id) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connection->execute("SELECT " + std::string(kMethodColumns) + " FROM methods WHERE id = $1",
                            {method_id}));
    if (result.rows.empty()) return not_found("no such sign-in method");
    return method_from(result.rows[0]);
  }

  Status delete_method(const std::string& method_id, const AuditLogEntry* audit) override {
    return connections_.in_transaction([&](SqlConnection& connection) -> Status {
      TESSERA_ASSIGN_OR_RETURN(
          SqlResult deleted, connection.execute("DELETE FROM methods WHERE id = $1", {method_id}));
      if (deleted.affected_rows == 0) return not_found("no such sign-in method");
      return maybe_audit(connection, audit);
    });
  }

  Status set_default_method(const std::string& user_id, const std::string& method_id) override {
    return connections_.in_transaction([&](SqlConnection& connection) -> Status {
      TESSERA_ASSIGN_OR_RETURN(
          SqlResult updated,
          connection.execute("UPDATE methods SET is_default = CASE WHEN id = $2 THEN 1 ELSE 0 "
                             "END WHERE user_id = $1",
                             {user_id, method_id}));
      TESSERA_ASSIGN_OR_RETURN(
          SqlResult found,
          connection.execute("SELECT id FROM methods WHERE user_id = $1 AND id = $2",
                             {user_id, method_id}));
      (void)updated;
      if (found.rows.empty()) return not_found("no such sign-in method for this user");
      return Status();
    });
  }

  Result<bool> advance_method_step(const std::string& method_id, std::int64_t step) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(SqlResult updated,
                             connection->execute(kAdvanceStep, {method_id, step}));
    if (updated.affected_rows > 0) return true;
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult found, connection->execute("SELECT id FROM methods WHERE id = $1", {method_id}));
    if (found.rows.empty()) return not_found("no such sign-in method");
    return false;
  }

  Result<OrgPolicy> load_policy() override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(SqlResult result,
                             connection->execute("SELECT key, value FROM policy", {}));
    OrgPolicy policy;
    for (const SqlRow& row : result.rows) {
      const std::string key = row.text(0);
      const std::string value = row.text(1);
      Status parsed = set_policy_value(policy, key, value);
      if (!parsed.ok()) {
        // One bad row must not fail every sign-in: that setting keeps its default, and the
        // operator hears of it once (per key and value) until it is set again.
        report_bad_policy_row(key, value, parsed);
      }
    }
    return policy;
  }

  Status save_policy(const OrgPolicy& policy, const AuditLogEntry* audit) override {
    TESSERA_RETURN_IF_ERROR(validate(policy));
    return connections_.in_transaction([&](SqlConnection& connection) -> Status {
      for (const auto& [key, value] : describe_policy(policy)) {
        TESSERA_RETURN_IF_ERROR(
            connection
                .execute("INSERT INTO policy (key, value) VALUES ($1, $2) "
                         "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                         {key, value})
                .status());
      }
      return maybe_audit(connection, audit);
    });
  }

  Status create_session(const SessionRecord& session) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    return insert_session(*connection, session);
  }

  static Status insert_session(SqlConnection& connection, const SessionRecord& session) {
    auto inserted =
        connection.execute("INSERT INTO sessions (" + std::string(kSessionColumns) +
                               ") VALUES ($1, $2, $3, $4, $5, $6, $7)",
                           {session.token_hash, session.user_id, seconds(session.created_at),
                            seconds(session.last_seen_at), seconds(session.expires_at),
                            std::int64_t{session.persistent}, optional_seconds(session.mfa_at)});
    if (!inserted.ok() && inserted.status().code() == ErrorCode::failed_precondition) {
      return not_found("no such user for this session");
    }
    return inserted.status();
  }

  Result<SessionRecord> find_session(const std::string& token_hash) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(SqlResult result,
                             connection->execute("SELECT " + std::string(kSessionColumns) +
                                                     " FROM sessions WHERE token_hash = $1",
                                                 {token_hash}));
    if (result.rows.empty()) return not_found("no such session");
    return session_from(result.rows[0]);
  }

  Status touch_session(const std::string& token_hash, Timestamp last_seen_at) override {
    return update_one("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1",
                      {token_hash, seconds(last_seen_at)}, "no such session");
  }

  Status set_session_mfa(const std::string& token_hash, Timestamp mfa_at) override {
    return update_one("UPDATE sessions SET mfa_at = $2 WHERE token_hash = $1",
                      {token_hash, seconds(mfa_at)}, "no such session");
  }

  Status delete_session(const std::string& token_hash) override {
    return update_one("DELETE FROM sessions WHERE token_hash = $1", {token_hash},
                      "no such session");
  }

  Status delete_user_sessions(const std::string& user_id) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    return connection->execute("DELETE FROM sessions WHERE user_id = $1", {user_id}).status();
  }

  Status append_sign_in(const SignInLogEntry& entry) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    return insert_sign_in(*connection, entry);
  }

  static Status insert_sign_in(SqlConnection& connection, const SignInLogEntry& entry) {
    return connection
        .execute(
            "INSERT INTO sign_in_log (id, time, user_id, upn, client_ip, app, result, "
            "failure_reason, mfa_required, decided_by, method) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            {entry.id, seconds(entry.time), entry.user_id, entry.upn, entry.client_ip, entry.app,
             static_cast<std::int64_t>(entry.result), entry.failure_reason,
             std::int64_t{entry.mfa_required}, entry.decided_by, entry.method})
        .status();
  }

  Result<std::vector<SignInLogEntry>> list_sign_ins(std::size_t limit) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connection->execute(
            "SELECT id, time, user_id, upn, client_ip, app, result, "
            "failure_reason, mfa_required, decided_by, method FROM sign_in_log "
            "ORDER BY seq DESC LIMIT $1",
            {static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, kMaxListLimit))}));
    std::vector<SignInLogEntry> entries;
    for (const SqlRow& row : result.rows) {
      SignInLogEntry entry;
      entry.id = row.text(0);
      entry.time = from_unix_seconds(row.integer(1));
      entry.user_id = row.text(2);
      entry.upn = row.text(3);
      entry.client_ip = row.text(4);
      entry.app = row.text(5);
      entry.result = static_cast<SignInResult>(std::clamp<std::int64_t>(row.integer(6), 0, 2));
      entry.failure_reason = row.text(7);
      entry.mfa_required = row.integer(8) != 0;
      entry.decided_by = row.text(9);
      entry.method = row.text(10);
      entries.push_back(std::move(entry));
    }
    return entries;
  }

  Status append_audit(const AuditLogEntry& entry) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    return insert_audit(*connection, entry);
  }

  Result<std::vector<AuditLogEntry>> list_audit(std::size_t limit) override {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connection->execute(
            "SELECT id, time, actor, action, target, detail FROM audit_log "
            "ORDER BY seq DESC LIMIT $1",
            {static_cast<std::int64_t>(std::clamp<std::size_t>(limit, 1, kMaxListLimit))}));
    std::vector<AuditLogEntry> entries;
    for (const SqlRow& row : result.rows) {
      entries.push_back({row.text(0), from_unix_seconds(row.integer(1)), row.text(2), row.text(3),
                         row.text(4), row.text(5)});
    }
    return entries;
  }

 private:
  Result<int> schema_version_on(SqlConnection& connection) {
    // Only a database without the table is at version 0; any other failure is an error, never
    // "empty" (a server must not mistake a broken database for a new one).
    TESSERA_ASSIGN_OR_RETURN(bool exists, connection.table_exists("schema_migrations"));
    if (!exists) return 0;
    TESSERA_ASSIGN_OR_RETURN(SqlResult result,
                             connection.execute("SELECT MAX(version) FROM schema_migrations", {}));
    return result.rows.empty() ? 0 : static_cast<int>(result.rows[0].integer(0));
  }

  Status apply_migration(SqlConnection& connection, int version, std::string_view name) {
    // Inside the migration lock, so concurrent nodes cannot race to create it.
    TESSERA_RETURN_IF_ERROR(connection.execute_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "applied_at BIGINT NOT NULL)"));
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult found,
        connection.execute("SELECT version FROM schema_migrations WHERE version = $1",
                           {std::int64_t{version}}));
    if (!found.rows.empty()) return Status();  // applied already, perhaps by another node
    TESSERA_RETURN_IF_ERROR(
        connection.execute_script(connection.adapt_schema(migration_file(name))));
    return connection
        .execute("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                 {std::int64_t{version}, seconds(SystemClock().now())})
        .status();
  }

  Result<User> find_user(std::string_view column, const std::string& value) {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(
        SqlResult result,
        connection->execute("SELECT " + std::string(kUserColumns) + " FROM users WHERE " +
                                std::string(column) + " = $1",
                            {value}));
    if (result.rows.empty()) return not_found("no user " + value);
    return user_from(result.rows[0]);
  }

  // Logs a policy row that does not parse, once per key and value.
  void report_bad_policy_row(const std::string& key, const std::string& value,
                             const Status& problem) {
    {
      std::lock_guard lock(reported_mutex_);
      if (!reported_policy_rows_.emplace(key, value).second) return;
    }
    log_event(LogLevel::error, "policy_value_invalid",
              {{"key", key}, {"error", problem.message()}, {"using", "the default"}});
  }

  Result<Method> method_from(const SqlRow& row) {
    Method method;
    method.id = row.text(0);
    method.user_id = row.text(1);
    TESSERA_ASSIGN_OR_RETURN(
        method.kind, stored_enum(row.integer(2), MethodKind::email, "kind of method", method.id));
    method.label = row.text(3);
    method.detail = row.text(4);
    auto sealed = row.blob(5);
    TESSERA_ASSIGN_OR_RETURN(method.secret,
                             sealer_.open(sealed, method_associated_data(method.id)));
    method.is_default = row.integer(6) != 0;
    method.created_at = from_unix_seconds(row.integer(7));
    method.last_used_step = row.optional_integer(8);
    return method;
  }

  static Status require_user(SqlConnection& connection, const std::string& user_id) {
    TESSERA_ASSIGN_OR_RETURN(SqlResult found,
                             connection.execute("SELECT 1 FROM users WHERE id = $1", {user_id}));
    if (found.rows.empty()) return not_found("no such user");
    return Status();
  }

  Result<std::int64_t> update_returning_version(std::string_view sql, const SqlParams& params) {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(SqlResult result, connection->execute(sql, params));
    if (result.rows.empty()) return not_found("no such user");
    return result.rows[0].integer(0);
  }

  // update_one for counters, which are written without waiting for the disk (Store contract).
  Status update_one_ephemeral(std::string_view sql, const SqlParams& params,
                              std::string_view missing) {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(SqlResult result, connections_.ephemeral(*connection, sql, params));
    if (result.affected_rows == 0) return not_found(std::string(missing));
    return Status();
  }

  Status update_one(std::string_view sql, const SqlParams& params, std::string_view missing) {
    TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
    TESSERA_ASSIGN_OR_RETURN(SqlResult result, connection->execute(sql, params));
    if (result.affected_rows == 0) return not_found(std::string(missing));
    return Status();
  }

  std::unique_ptr<ConnectionPool> owned_pool_;  // null in a transaction's view
  Connections connections_;
  std::mutex reported_mutex_;
  std::set<std::pair<std::string, std::string>> reported_policy_rows_;
  const SecretSealer& sealer_;
  Rng& rng_;
};

}  // namespace

std::unique_ptr<Store> make_sql_store(std::unique_ptr<ConnectionPool> pool,
                                      const SecretSealer& sealer, Rng& rng) {
  return std::make_unique<SqlStore>(std::move(pool), sealer, rng);
}

}  // namespace tessera
