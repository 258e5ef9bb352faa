#include "storage/sql_store_impl.h"

namespace tessera {

using namespace sql_detail;

namespace {

// The parameters of the counting statement, in order.
enum Param {
  kKeyParam = 1,
  kUserParam,
  kNow,
  kLimit,
  kLock,
  kMaxLock,
  kLockouts,
  kWindow,
  kForgetAt
};

std::string param(Param p) {
  return "CAST($" + std::to_string(static_cast<int>(p)) + " AS BIGINT)";
}

// The lock the attempt numbered `counted` starts, as SQL: now + lock * 2^(lockouts - 1) (capped)
// when `counted` is a multiple of the limit and the rule locks at all, else `otherwise`. The same
// as lock_started_at() in domain/throttle.cc.
std::string lock_expression(const std::string& counted, const std::string& otherwise) {
  const std::string limit = param(kLimit);
  const std::string lockouts = "(CASE WHEN " + counted + " / " + limit + " > " + param(kLockouts) +
                               " THEN " + param(kLockouts) + " ELSE " + counted + " / " + limit +
                               " END)";
  const std::string doubled =
      "(" + param(kLock) + " * (CAST(1 AS BIGINT) << CAST(" + lockouts + " - 1 AS INTEGER)))";
  return "CASE WHEN " + param(kLock) + " > 0 AND " + counted + " % " + limit + " = 0 THEN " +
         param(kNow) + " + (CASE WHEN " + doubled + " > " + param(kMaxLock) + " THEN " +
         param(kMaxLock) + " ELSE " + doubled + " END) ELSE " + otherwise + " END";
}

// One statement counts, starts the window afresh and locks, so no parallel attempt on any node
// slips between reading the count and writing it. A held lock makes the conflict's WHERE false:
// nothing is counted and nothing returned.
const std::string& count_statement() {
  static const std::string sql = [] {
    const std::string fresh = "(" + param(kWindow) +
                              " > 0 AND throttles.window_start <= " + param(kNow) + " - " +
                              param(kWindow) + ")";
    const std::string counted = "(CASE WHEN " + fresh + " THEN 1 ELSE throttles.attempts + 1 END)";
    return "INSERT INTO throttles (key, user_id, attempts, window_start, locked_until, forget_at) "
           "VALUES ($1, $2, 1, " +
           param(kNow) + ", " + lock_expression("1", "NULL") + ", " + param(kForgetAt) +
           ") ON CONFLICT (key) DO UPDATE SET attempts = " + counted +
           ", window_start = CASE WHEN " + fresh +
           " THEN excluded.window_start ELSE throttles.window_start END, locked_until = " +
           lock_expression(counted, "throttles.locked_until") +
           ", forget_at = excluded.forget_at "
           "WHERE throttles.locked_until IS NULL OR throttles.locked_until <= " +
           param(kNow) + " RETURNING attempts, locked_until";
  }();
  return sql;
}

}  // namespace

Result<std::optional<CountedAttempt>> SqlStore::count_attempt(const ThrottleKey& key, Timestamp now,
                                                              const ThrottleRule& rule) {
  const int limit = std::max(1, rule.limit);
  const SqlParams params{key.key,
                         optional_text(key.user_id),
                         seconds(now),
                         std::int64_t{limit},
                         std::int64_t{std::max<std::int64_t>(0, rule.lock.count())},
                         std::int64_t{rule.max_lock.count()},
                         std::int64_t{rule.doubling ? kMaxLockouts : 1},
                         std::int64_t{std::max<std::int64_t>(0, rule.window.count())},
                         rule.forget_after.count() > 0 ? SqlValue(seconds(now + rule.forget_after))
                                                       : SqlValue(nullptr)};
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  auto result = connections_.ephemeral(*connection, count_statement(), params);
  if (!result.ok()) {
    // The foreign key: the user the counter would belong to is gone.
    if (result.status().code() == ErrorCode::failed_precondition) {
      return not_found("no such user");
    }
    return result.status();
  }
  if (result->rows.empty()) return std::optional<CountedAttempt>();
  CountedAttempt attempt;
  attempt.count = static_cast<int>(result->rows[0].integer(0));
  // The lock counts as this attempt's only when it is the one that reached the limit.
  if (lock_started_at(attempt.count, now, rule)) {
    attempt.locked_until = optional_timestamp(result->rows[0], 1);
  }
  return std::optional<CountedAttempt>(attempt);
}

Result<std::optional<ThrottleState>> SqlStore::find_throttle(const std::string& key) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(
      SqlResult result,
      connection->execute("SELECT attempts, locked_until FROM throttles WHERE key = $1", {key}));
  if (result.rows.empty()) return std::optional<ThrottleState>();
  return std::optional<ThrottleState>(ThrottleState{static_cast<int>(result.rows[0].integer(0)),
                                                    optional_timestamp(result.rows[0], 1)});
}

Status SqlStore::reset_throttle(const std::string& key) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  return connections_.ephemeral(*connection, "DELETE FROM throttles WHERE key = $1", {key})
      .status();
}

Status SqlStore::reset_user_throttles(const std::string& user_id, const std::string& prefix) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  std::string pattern;  // the prefix as it is (its wildcards escaped), then anything
  for (const char c : prefix) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
  pattern.push_back('%');
  return connection
      ->execute("DELETE FROM throttles WHERE user_id = $1 AND key LIKE $2 ESCAPE '\\'",
                {user_id, pattern})
      .status();
}

Status SqlStore::lock_throttle(const ThrottleKey& key, Timestamp locked_until) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  auto locked = connection->execute(
      "INSERT INTO throttles (key, user_id, attempts, window_start, locked_until) "
      "VALUES ($1, $2, 0, 0, $3) ON CONFLICT (key) DO UPDATE SET "
      "locked_until = excluded.locked_until",
      {key.key, optional_text(key.user_id), seconds(locked_until)});
  if (!locked.ok() && locked.status().code() == ErrorCode::failed_precondition) {
    return not_found("no such user");
  }
  return locked.status();
}

Result<std::int64_t> SqlStore::forget_idle_throttles(Timestamp now) {
  TESSERA_ASSIGN_OR_RETURN(auto connection, connections_.acquire());
  TESSERA_ASSIGN_OR_RETURN(SqlResult deleted,
                           connections_.ephemeral(*connection,
                                                  "DELETE FROM throttles WHERE forget_at <= $1 AND "
                                                  "(locked_until IS NULL OR locked_until <= $1)",
                                                  {seconds(now)}));
  return deleted.affected_rows;
}

}  // namespace tessera
