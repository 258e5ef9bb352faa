// The one store suite: every test runs against SQLite and against a throwaway PostgreSQL, proving
// both implementations behave the same.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "store/store_fixture.h"

namespace tessera::testing {
namespace {

using namespace std::chrono_literals;

// Counting without reaching a lockout, for tests about the counting itself.
ThrottleRule no_lockout() {
  ThrottleRule rule;
  rule.limit = 1'000'000;
  rule.lock = std::chrono::seconds(60);
  return rule;
}

ThrottleRule lockout(int limit, std::chrono::seconds lock, std::chrono::seconds max_lock,
                     bool doubling = true) {
  ThrottleRule rule;
  rule.limit = limit;
  rule.lock = lock;
  rule.max_lock = max_lock;
  rule.doubling = doubling;
  return rule;
}

// A counter that belongs to `user` (the store does not care what the key says).
ThrottleKey passwords_of(const User& user) {
  return {"passwords:" + user.id, user.id};
}

TEST_P(StoreTest, MigrateBringsDatabaseToLatestAndIsIdempotent) {
  auto version = store_->schema_version();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, store_->latest_schema_version());
  EXPECT_GE(*version, 1);
  EXPECT_TRUE(store_->migrate().ok());
  EXPECT_EQ(*store_->schema_version(), *version);
}

TEST_P(StoreTest, FreshDatabaseIsAtVersionZero) {
  StoreConfig config = config_;
  TempDir other_dir;
  if (config.kind == StoreConfig::Kind::sqlite) {
    config.sqlite_path = other_dir.path() / "fresh.db";
    config.create_if_missing = true;
  } else {
    config.postgres_url = *shared_postgres_server().create_database();
  }
  auto fresh = open_store(config, *sealer_, rng_);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(*(*fresh)->schema_version(), 0);
}

TEST_P(StoreTest, UserRoundTripsEveryField) {
  User user = make_user("alice@example.com", MfaState::enforced);
  user.status = UserStatus::blocked;
  user.password_temporary = true;
  user.role = Role::admin;
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  for (auto found : {store_->find_user_by_id(user.id), store_->find_user_by_upn(user.upn)}) {
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->id, user.id);
    EXPECT_EQ(found->upn, user.upn);
    EXPECT_EQ(found->display_name, user.display_name);
    EXPECT_EQ(found->status, UserStatus::blocked);
    EXPECT_EQ(found->password_hash, user.password_hash);
    EXPECT_TRUE(found->password_temporary);
    EXPECT_EQ(found->mfa_state, MfaState::enforced);
    EXPECT_EQ(found->created_at, user.created_at);
    EXPECT_EQ(found->role, Role::admin);
    EXPECT_FALSE(found->reset_prompted_at);
  }
  // Set once: the first ask starts the grace days, later ones do not move it.
  ASSERT_TRUE(store_->mark_reset_prompted(user.id, from_unix_seconds(5000)).ok());
  ASSERT_TRUE(store_->mark_reset_prompted(user.id, from_unix_seconds(9000)).ok());
  EXPECT_EQ(store_->find_user_by_id(user.id)->reset_prompted_at, from_unix_seconds(5000));
}

TEST_P(StoreTest, DuplicateUpnIsAlreadyExistsAndWritesNoAudit) {
  const AuditLogEntry first = audit("user.create", "alice@example.com");
  ASSERT_TRUE(store_->create_user(make_user("alice@example.com"), &first).ok());
  const AuditLogEntry second = audit("user.create", "alice@example.com");
  const Status duplicate = store_->create_user(make_user("alice@example.com"), &second);
  EXPECT_EQ(duplicate.code(), ErrorCode::already_exists);
  EXPECT_NE(duplicate.message().find("alice@example.com"), std::string::npos);
  auto entries = store_->list_audit(10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].id, first.id);
}

TEST_P(StoreTest, MissingUserIsNotFound) {
  EXPECT_EQ(store_->find_user_by_upn("nobody@example.com").status().code(), ErrorCode::not_found);
  EXPECT_EQ(store_->find_user_by_id("0000").status().code(), ErrorCode::not_found);
  User ghost = make_user("ghost@example.com");
  const Timestamp now = from_unix_seconds(1'700'000'000);
  EXPECT_EQ(store_->update_status(ghost.id, UserStatus::blocked).status().code(),
            ErrorCode::not_found);
  EXPECT_EQ(store_->update_password(ghost.id, "h", false, now, std::nullopt).status().code(),
            ErrorCode::not_found);
  EXPECT_EQ(store_->update_mfa_state(ghost.id, MfaState::enabled, now).code(),
            ErrorCode::not_found);
  EXPECT_EQ(store_->delete_user(ghost.id, nullptr).code(), ErrorCode::not_found);
  EXPECT_EQ(store_->count_attempt(passwords_of(ghost), now, no_lockout()).status().code(),
            ErrorCode::not_found);
  EXPECT_EQ(store_->lock_throttle(passwords_of(ghost), now).code(), ErrorCode::not_found);
}

TEST_P(StoreTest, ListUsersFiltersByTextAndStateAndPages) {
  for (const char* upn : {"anna@example.com", "a_b@example.com", "axb@example.com",
                          "bob@example.com", "carol@other.org"}) {
    ASSERT_TRUE(
        store_
            ->create_user(make_user(upn, upn[0] == 'b' ? MfaState::enforced : MfaState::disabled),
                          nullptr)
            .ok());
  }
  UserListQuery query;
  query.upn_contains = "EXAMPLE";
  EXPECT_EQ(store_->list_users(query)->size(), 4u);
  query.upn_contains = "a_b";  // the underscore is literal, so axb does not match
  ASSERT_EQ(store_->list_users(query)->size(), 1u);
  EXPECT_EQ((*store_->list_users(query))[0].upn, "a_b@example.com");
  query = {};
  query.mfa_state = MfaState::enforced;
  ASSERT_EQ(store_->list_users(query)->size(), 1u);
  query = {};
  query.limit = 2;
  query.offset = 1;
  auto page = store_->list_users(query);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].upn, "anna@example.com");  // sorted by UPN: a_b, anna, axb, …
  EXPECT_EQ((*page)[1].upn, "axb@example.com");
  EXPECT_EQ(*store_->count_users(), 5);
}

TEST_P(StoreTest, EachUserWriteChangesOnlyItsOwnColumns) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'500);
  // A lockout set meanwhile survives a password change, a status change and an MFA change.
  ASSERT_TRUE(store_->count_attempt(passwords_of(user), now, no_lockout()).ok());
  ASSERT_TRUE(store_->lock_throttle(passwords_of(user), now + std::chrono::hours(1)).ok());
  ASSERT_TRUE(store_->update_password(user.id, "new-hash", true, now, std::nullopt).ok());
  ASSERT_TRUE(store_->update_mfa_state(user.id, MfaState::enabled, now).ok());
  ASSERT_TRUE(store_->set_stay_prompt_suppressed(user.id, true).ok());
  User found = *store_->find_user_by_id(user.id);
  EXPECT_EQ(found.password_hash, "new-hash");
  EXPECT_TRUE(found.password_temporary);
  EXPECT_EQ(found.password_changed_at, now);
  EXPECT_EQ(found.mfa_state, MfaState::enabled);
  EXPECT_EQ(found.mfa_state_changed_at, now);
  EXPECT_TRUE(found.stay_prompt_suppressed);
  const auto lock = **store_->find_throttle(passwords_of(user).key);
  EXPECT_EQ(lock.count, 1);
  EXPECT_EQ(lock.locked_until, now + std::chrono::hours(1));
  EXPECT_EQ(found.display_name, user.display_name);
  // A rehash replaces the hash only if it is still the one it was made from.
  ASSERT_TRUE(store_->replace_password_hash(user.id, "old-hash", "rehashed").ok());
  EXPECT_EQ(store_->find_user_by_id(user.id)->password_hash, "new-hash");
  ASSERT_TRUE(store_->replace_password_hash(user.id, "new-hash", "rehashed").ok());
  EXPECT_EQ(store_->find_user_by_id(user.id)->password_hash, "rehashed");
  ASSERT_TRUE(store_->set_password_temporary(user.id, false).ok());
  EXPECT_FALSE(store_->find_user_by_id(user.id)->password_temporary);
}

TEST_P(StoreTest, SecurityVersionMovesWithPasswordStatusAndBumpsOnly) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'500);
  EXPECT_EQ(store_->find_user_by_id(user.id)->security_version, 0);
  EXPECT_TRUE(store_->check_user_unchanged(user.id, 0).ok());
  EXPECT_EQ(*store_->update_password(user.id, "h1", false, now, 0), 1);
  // A password change expecting an older version is refused and changes nothing.
  EXPECT_EQ(store_->update_password(user.id, "h2", false, now, 0).status().code(),
            ErrorCode::failed_precondition);
  EXPECT_EQ(store_->find_user_by_id(user.id)->password_hash, "h1");
  EXPECT_EQ(store_->check_user_unchanged(user.id, 0).code(), ErrorCode::failed_precondition);
  EXPECT_TRUE(store_->check_user_unchanged(user.id, 1).ok());
  EXPECT_EQ(*store_->update_status(user.id, UserStatus::blocked), 2);
  EXPECT_EQ(store_->check_user_unchanged(user.id, 2).code(), ErrorCode::failed_precondition)
      << "a blocked user is never unchanged";
  EXPECT_EQ(*store_->update_status(user.id, UserStatus::active), 3);
  ASSERT_TRUE(store_->update_mfa_state(user.id, MfaState::enforced, now).ok());
  EXPECT_TRUE(store_->check_user_unchanged(user.id, 3).ok()) << "the state alone bumps nothing";
  EXPECT_EQ(*store_->bump_security_version(user.id), 4);
  EXPECT_EQ(store_->find_user_by_id(user.id)->security_version, 4);
  EXPECT_EQ(store_->check_user_unchanged("no-such-user", 0).code(), ErrorCode::failed_precondition);
}

TEST_P(StoreTest, TransactionCommitsEverythingOrNothing) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'000);
  const SessionRecord session{"session-1", user.id, now, now, now + std::chrono::hours(1),
                              false,       now};
  const Status failed = store_->transaction([&](Store& tx) -> Status {
    TESSERA_RETURN_IF_ERROR(tx.create_session(session));
    TESSERA_RETURN_IF_ERROR(tx.update_status(user.id, UserStatus::blocked).status());
    TESSERA_RETURN_IF_ERROR(tx.append_audit(audit("user.block", user.upn)));
    // Inside, the transaction sees its own writes, and a nested one runs inline.
    TESSERA_RETURN_IF_ERROR(tx.transaction(
        [&](Store& inner) -> Status { return inner.find_session("session-1").status(); }));
    EXPECT_EQ(tx.find_user_by_id(user.id)->status, UserStatus::blocked);
    return failed_precondition("changed my mind");
  });
  EXPECT_EQ(failed.code(), ErrorCode::failed_precondition);
  EXPECT_EQ(store_->find_session("session-1").status().code(), ErrorCode::not_found);
  EXPECT_EQ(store_->find_user_by_id(user.id)->status, UserStatus::active);
  EXPECT_TRUE(store_->list_audit(10)->empty());

  ASSERT_TRUE(store_
                  ->transaction([&](Store& tx) -> Status {
                    TESSERA_RETURN_IF_ERROR(tx.create_session(session));
                    return tx.append_audit(audit("session", user.upn));
                  })
                  .ok());
  EXPECT_TRUE(store_->find_session("session-1").ok());
  EXPECT_EQ(store_->list_audit(10)->size(), 1u);
}

TEST_P(StoreTest, DeletingUserRemovesMethodsAndSessions) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Method method = make_method(user, "seed");
  ASSERT_TRUE(store_->add_method(method, nullptr).ok());
  SessionRecord session{"hash1",         user.id, user.created_at, user.created_at,
                        user.created_at, false,   std::nullopt};
  ASSERT_TRUE(store_->create_session(session).ok());
  ASSERT_TRUE(store_->delete_user(user.id, nullptr).ok());
  EXPECT_EQ(store_->find_method(method.id).status().code(), ErrorCode::not_found);
  EXPECT_EQ(store_->find_session("hash1").status().code(), ErrorCode::not_found);
}

TEST_P(StoreTest, AttemptsCountAtomicallyAcrossThreads) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'000);
  std::atomic<int> errors = 0;
  std::mutex mutex;
  std::set<int> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto counted = store_->count_attempt(passwords_of(user), now, no_lockout());
        if (!counted.ok() || !*counted) {
          ++errors;
          continue;
        }
        std::lock_guard lock(mutex);
        seen.insert((*counted)->count);
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(seen.size(), 40u) << "every attempt got its own number";
  EXPECT_EQ((*store_->find_throttle(passwords_of(user).key))->count, 40);
  EXPECT_EQ(store_->count_attempt(passwords_of(user), now, no_lockout())->value().count, 41);
}

TEST_P(StoreTest, LockoutIsSetAndClearedWithTheCounter) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'000);
  EXPECT_EQ(*store_->find_throttle(passwords_of(user).key), std::nullopt);
  ASSERT_TRUE(store_->count_attempt(passwords_of(user), now, no_lockout()).ok());
  const Timestamp until = from_unix_seconds(1'800'000'000);
  ASSERT_TRUE(store_->lock_throttle(passwords_of(user), until).ok());
  EXPECT_EQ((*store_->find_throttle(passwords_of(user).key))->locked_until, until);
  // While locked, attempts are refused without being counted; once it passes they count again.
  EXPECT_EQ(*store_->count_attempt(passwords_of(user), now, no_lockout()), std::nullopt);
  EXPECT_EQ((*store_->find_throttle(passwords_of(user).key))->count, 1);
  EXPECT_EQ(store_->count_attempt(passwords_of(user), until, no_lockout())->value().count, 2);
  ASSERT_TRUE(store_->reset_throttle(passwords_of(user).key).ok());
  EXPECT_EQ(*store_->find_throttle(passwords_of(user).key), std::nullopt);
  EXPECT_TRUE(store_->reset_throttle(passwords_of(user).key).ok()) << "nothing to reset is ok";
}

TEST_P(StoreTest, MethodSecretRoundTripsAndOnlyOneIsDefault) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Method first = make_method(user, "first seed");
  Method second = make_method(user, "second seed");
  second.kind = MethodKind::phone;
  second.detail = "+447700900123";
  second.created_at = first.created_at + std::chrono::seconds(5);
  ASSERT_TRUE(store_->add_method(first, nullptr).ok());
  ASSERT_TRUE(store_->add_method(second, nullptr).ok());
  auto methods = store_->list_methods(user.id);
  ASSERT_TRUE(methods.ok());
  ASSERT_EQ(methods->size(), 2u);
  EXPECT_EQ((*methods)[0].secret.view(), "first seed");
  EXPECT_FALSE((*methods)[0].is_default);
  EXPECT_EQ((*methods)[1].secret.view(), "second seed");
  EXPECT_EQ((*methods)[1].kind, MethodKind::phone);
  EXPECT_EQ((*methods)[1].detail, "+447700900123");
  EXPECT_TRUE((*methods)[1].is_default);

  ASSERT_TRUE(store_->set_default_method(user.id, first.id).ok());
  EXPECT_TRUE(store_->find_method(first.id)->is_default);
  EXPECT_FALSE(store_->find_method(second.id)->is_default);
  EXPECT_EQ(store_->set_default_method(user.id, "missing").code(), ErrorCode::not_found);
  EXPECT_TRUE(store_->find_method(first.id)->is_default);  // unchanged by the failed call

  ASSERT_TRUE(store_->delete_method(second.id, nullptr).ok());
  EXPECT_EQ(store_->delete_method(second.id, nullptr).code(), ErrorCode::not_found);
  EXPECT_EQ(store_->list_methods(user.id)->size(), 1u);
}

TEST_P(StoreTest, MethodForMissingUserIsNotFound) {
  const User ghost = make_user("ghost@example.com");
  EXPECT_EQ(store_->add_method(make_method(ghost, "seed"), nullptr).code(), ErrorCode::not_found);
}

TEST_P(StoreTest, UsedTotpStepCannotBeUsedAgainEvenConcurrently) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Method method = make_method(user, "seed");
  ASSERT_TRUE(store_->add_method(method, nullptr).ok());
  EXPECT_TRUE(*store_->advance_method_step(method.id, 100));
  EXPECT_FALSE(*store_->advance_method_step(method.id, 100));
  EXPECT_FALSE(*store_->advance_method_step(method.id, 99));
  EXPECT_EQ(store_->find_method(method.id)->last_used_step, 100);

  std::atomic<int> winners = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto advanced = store_->advance_method_step(method.id, 101);
      if (advanced.ok() && *advanced) ++winners;
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(store_->advance_method_step("missing", 5).status().code(), ErrorCode::not_found);
}

TEST_P(StoreTest, SecretSealedUnderAnotherKeyIsDataLoss) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Method method = make_method(user, "seed");
  ASSERT_TRUE(store_->add_method(method, nullptr).ok());
  const SecretSealer other = *SecretSealer::make(SecretBytes(std::vector<std::uint8_t>(32, 4)));
  auto reopened = open_store(config_, other, rng_);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->find_method(method.id).status().code(), ErrorCode::data_loss);
  const Status check = (*reopened)->verify_master_key();
  EXPECT_EQ(check.code(), ErrorCode::data_loss);
  EXPECT_NE(check.message().find("master key"), std::string::npos);
  EXPECT_TRUE(store_->verify_master_key().ok());
}

TEST_P(StoreTest, PolicyStartsAtDefaultsAndRoundTrips) {
  auto initial = store_->load_policy();
  ASSERT_TRUE(initial.ok());
  EXPECT_EQ(*initial, OrgPolicy{});
  OrgPolicy policy;
  ASSERT_TRUE(set_policy_value(policy, "mfa_required_from", "2026-12-01").ok());
  ASSERT_TRUE(set_policy_value(policy, "trusted_ip_ranges", "10.0.0.0/8,2001:db8::/32").ok());
  ASSERT_TRUE(set_policy_value(policy, "allowed_methods", "app_code,phone_call").ok());
  ASSERT_TRUE(set_policy_value(policy, "remember_mfa_days", "30").ok());
  ASSERT_TRUE(set_policy_value(policy, "fraud_notify_email", "soc@contoso.com").ok());
  ASSERT_TRUE(set_policy_value(policy, "lockout_threshold", "5").ok());
  const AuditLogEntry entry = audit("policy.set", "mfa_required_from");
  ASSERT_TRUE(store_->save_policy(policy, &entry).ok());
  EXPECT_EQ(*store_->load_policy(), policy);
  ASSERT_TRUE(set_policy_value(policy, "mfa_required_from", "none").ok());
  ASSERT_TRUE(store_->save_policy(policy, nullptr).ok());
  EXPECT_EQ(*store_->load_policy(), policy);
}

TEST_P(StoreTest, APolicyRowThatDoesNotParseKeepsItsDefaultAndTheRestStands) {
  OrgPolicy policy;
  ASSERT_TRUE(set_policy_value(policy, "lockout_threshold", "5").ok());
  ASSERT_TRUE(set_policy_value(policy, "registration_grace_days", "7").ok());
  ASSERT_TRUE(store_->save_policy(policy, nullptr).ok());
  ASSERT_TRUE(raw_sql("UPDATE policy SET value = 'banana' WHERE key = 'lockout_threshold'").ok());
  for (int i = 0; i < 2; ++i) {  // reported once, answered every time
    auto loaded = store_->load_policy();
    ASSERT_TRUE(loaded.ok()) << loaded.status().message();
    EXPECT_EQ(loaded->lockout.threshold, OrgPolicy{}.lockout.threshold);
    EXPECT_EQ(loaded->registration_grace_days, 7);
  }
}

TEST_P(StoreTest, AnUnknownStoredEnumIsDataLossNeverAGuess) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Method method = make_method(user, "seed-a");
  ASSERT_TRUE(store_->add_method(method, nullptr).ok());

  ASSERT_TRUE(raw_sql("UPDATE users SET mfa_state = 7").ok());
  EXPECT_EQ(store_->find_user_by_id(user.id).status().code(), ErrorCode::data_loss);
  ASSERT_TRUE(raw_sql("UPDATE users SET mfa_state = 0, status = 9").ok());
  EXPECT_EQ(store_->find_user_by_id(user.id).status().code(), ErrorCode::data_loss);
  ASSERT_TRUE(raw_sql("UPDATE users SET status = 0").ok());
  EXPECT_TRUE(store_->find_user_by_id(user.id).ok());

  ASSERT_TRUE(raw_sql("UPDATE methods SET kind = 42").ok());
  EXPECT_EQ(store_->find_method(method.id).status().code(), ErrorCode::data_loss);
}

TEST_P(StoreTest, SessionsAreFoundByTokenHashAndDeleted) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  SessionRecord session{"hash-a",
                        user.id,
                        from_unix_seconds(10),
                        from_unix_seconds(20),
                        from_unix_seconds(30),
                        true,
                        from_unix_seconds(15)};
  ASSERT_TRUE(store_->create_session(session).ok());
  ASSERT_TRUE(store_
                  ->create_session({"hash-b", user.id, from_unix_seconds(10), from_unix_seconds(10),
                                    from_unix_seconds(30), false, std::nullopt})
                  .ok());
  auto found = store_->find_session("hash-a");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->user_id, user.id);
  EXPECT_EQ(found->last_seen_at, from_unix_seconds(20));
  EXPECT_EQ(found->expires_at, from_unix_seconds(30));
  EXPECT_TRUE(found->persistent);
  EXPECT_EQ(found->mfa_at, from_unix_seconds(15));
  EXPECT_EQ(store_->find_session("hash-b")->mfa_at, std::nullopt);
  ASSERT_TRUE(store_->touch_session("hash-a", from_unix_seconds(25)).ok());
  EXPECT_EQ(store_->find_session("hash-a")->last_seen_at, from_unix_seconds(25));
  EXPECT_EQ(store_->touch_session("missing", from_unix_seconds(25)).code(), ErrorCode::not_found);
  ASSERT_TRUE(store_->delete_session("hash-a").ok());
  EXPECT_EQ(store_->find_session("hash-a").status().code(), ErrorCode::not_found);
  ASSERT_TRUE(store_->delete_user_sessions(user.id).ok());
  EXPECT_EQ(store_->find_session("hash-b").status().code(), ErrorCode::not_found);
  EXPECT_EQ(
      store_->create_session({"hash-c", "no-such-user", {}, {}, {}, false, std::nullopt}).code(),
      ErrorCode::not_found);
}

TEST_P(StoreTest, LogsListNewestFirst) {
  for (int i = 0; i < 3; ++i) {
    SignInLogEntry entry;
    entry.id = new_id(rng_);
    entry.time = from_unix_seconds(1'700'000'000);  // same second: insertion order decides
    entry.upn = "user" + std::to_string(i) + "@example.com";
    entry.client_ip = "127.0.0.1";
    entry.app = "Security info";
    entry.result = i == 2 ? SignInResult::success : SignInResult::failure;
    entry.failure_reason = i == 2 ? "" : "wrong_password";
    entry.mfa_required = i == 2;
    entry.decided_by = "user_state_enabled";
    entry.method = i == 2 ? "authenticator_app" : "";
    ASSERT_TRUE(store_->append_sign_in(entry).ok());
    ASSERT_TRUE(store_->append_audit(audit("action" + std::to_string(i), "t")).ok());
  }
  auto sign_ins = store_->list_sign_ins(2);
  ASSERT_TRUE(sign_ins.ok());
  ASSERT_EQ(sign_ins->size(), 2u);
  EXPECT_EQ((*sign_ins)[0].upn, "user2@example.com");
  EXPECT_EQ((*sign_ins)[0].result, SignInResult::success);
  EXPECT_TRUE((*sign_ins)[0].mfa_required);
  EXPECT_EQ((*sign_ins)[0].method, "authenticator_app");
  EXPECT_EQ((*sign_ins)[1].failure_reason, "wrong_password");
  auto audits = store_->list_audit(10);
  ASSERT_EQ(audits->size(), 3u);
  EXPECT_EQ((*audits)[0].action, "action2");
}

TEST_P(StoreTest, HostileTextIsStoredVerbatim) {
  User user = make_user("robert'); DROP TABLE users;--@example.com");
  user.display_name = "Ünïcödé \"quoted\" $1 ?2 %_\\";
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  auto found = store_->find_user_by_upn(user.upn);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->display_name, user.display_name);
  EXPECT_EQ(*store_->count_users(), 1);
}

TEST_P(StoreTest, AUsersThrottlesResetByPrefixOnlyTheirsAndOnlyThatPrefix) {
  const User alice = make_user("alice@example.com");
  const User bob = make_user("bob@example.com");
  ASSERT_TRUE(store_->create_user(alice, nullptr).ok());
  ASSERT_TRUE(store_->create_user(bob, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'000);
  const ThrottleKey account{"password:user:" + alice.id, alice.id};
  const ThrottleKey office{"password:network:" + alice.id + ":10.0.0.0/24", alice.id};
  const ThrottleKey codes{"codes:" + alice.id, alice.id};
  const ThrottleKey bobs{"password:user:" + bob.id, bob.id};
  const ThrottleKey lookalike{"passwordXuser:" + alice.id, alice.id};  // '_' or '%' must not match
  for (const ThrottleKey* key : {&account, &office, &codes, &bobs, &lookalike}) {
    ASSERT_TRUE(store_->count_attempt(*key, now, no_lockout()).ok());
  }
  ASSERT_TRUE(store_->reset_user_throttles(alice.id, "password:").ok());
  EXPECT_EQ(*store_->find_throttle(account.key), std::nullopt);
  EXPECT_EQ(*store_->find_throttle(office.key), std::nullopt);
  EXPECT_TRUE(store_->find_throttle(codes.key)->has_value());
  EXPECT_TRUE(store_->find_throttle(bobs.key)->has_value());
  EXPECT_TRUE(store_->find_throttle(lookalike.key)->has_value());
  ASSERT_TRUE(store_->reset_user_throttles(alice.id, "pass_ord").ok());  // no wildcard
  EXPECT_TRUE(store_->find_throttle(lookalike.key)->has_value());
}

TEST_P(StoreTest, EachKeyCountsApartAndGoesWithItsUser) {
  User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'000);
  const ThrottleKey codes{"codes:" + user.id, user.id};
  const ThrottleKey anonymous{"network:198.51.100.0/24", ""};
  EXPECT_EQ((*store_->count_attempt(codes, now, no_lockout()))->count, 1);
  EXPECT_EQ((*store_->count_attempt(codes, now, no_lockout()))->count, 2);
  EXPECT_EQ((*store_->count_attempt(passwords_of(user), now, no_lockout()))->count, 1);
  EXPECT_EQ((*store_->count_attempt(anonymous, now, no_lockout()))->count, 1);
  ASSERT_TRUE(store_->set_stay_prompt_suppressed(user.id, true).ok());
  EXPECT_TRUE(store_->find_user_by_id(user.id)->stay_prompt_suppressed);
  // Deleting the user deletes their counters, and only theirs.
  ASSERT_TRUE(store_->delete_user(user.id, nullptr).ok());
  EXPECT_EQ(*store_->find_throttle(codes.key), std::nullopt);
  EXPECT_EQ(*store_->find_throttle(passwords_of(user).key), std::nullopt);
  EXPECT_EQ((*store_->find_throttle(anonymous.key))->count, 1);
}

TEST_P(StoreTest, FlowsAreSealedVersionedAndExpire) {
  const Timestamp now = from_unix_seconds(1'700'000'000);
  FlowRecord flow{"flowhash", SecretBytes::from_string("{\"step\":\"enter_password\"}"), 0,
                  now + std::chrono::minutes(15)};
  auto version = store_->save_flow(flow);
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 1);
  auto found = store_->find_flow("flowhash", now);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->state.view(), flow.state.view());
  EXPECT_EQ(found->version, 1);

  // Two requests read version 1; the first write wins, the second is refused.
  FlowRecord first{"flowhash", SecretBytes::from_string("first"), 1, flow.expires_at};
  FlowRecord second{"flowhash", SecretBytes::from_string("second"), 1, flow.expires_at};
  EXPECT_EQ(*store_->save_flow(first), 2);
  EXPECT_EQ(store_->save_flow(second).status().code(), ErrorCode::failed_precondition);
  EXPECT_EQ(store_->find_flow("flowhash", now)->state.view(), "first");
  EXPECT_EQ(store_->save_flow(flow).status().code(), ErrorCode::already_exists);

  EXPECT_EQ(store_->find_flow("flowhash", flow.expires_at).status().code(), ErrorCode::not_found);
  EXPECT_EQ(*store_->delete_expired_flows(flow.expires_at), 1);
  EXPECT_EQ(store_->find_flow("flowhash", now).status().code(), ErrorCode::not_found);
  EXPECT_TRUE(store_->delete_flow("flowhash").ok());
}

TEST_P(StoreTest, FinishingASignInIsOneTransactionGuardedByTheTotpStepAndTheFlowVersion) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Method method = make_method(user, "seed");
  ASSERT_TRUE(store_->add_method(method, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_
                  ->save_flow({"flow-1", SecretBytes::from_string("{}"), 0,
                               now + std::chrono::hours(1), user.id})
                  .ok());
  auto finish = [&](const std::string& flow, std::int64_t version, const std::string& session_hash,
                    std::int64_t step) {
    SignInLogEntry entry;
    entry.id = new_id(rng_);
    entry.time = now;
    entry.upn = user.upn;
    entry.result = SignInResult::success;
    const SessionRecord session{session_hash, user.id, now, now, now + std::chrono::hours(1),
                                false,        now};
    return store_->transaction([&](Store& tx) -> Status {
      TESSERA_RETURN_IF_ERROR(tx.check_user_unchanged(user.id, 0));
      TESSERA_RETURN_IF_ERROR(tx.delete_flow_at_version(flow, version));
      TESSERA_ASSIGN_OR_RETURN(bool fresh, tx.advance_method_step(method.id, step));
      if (!fresh) return already_exists("step used");
      TESSERA_RETURN_IF_ERROR(tx.append_sign_in(entry));
      return tx.create_session(session);
    });
  };
  EXPECT_EQ(finish("flow-1", 2, "session-0", 500).code(), ErrorCode::failed_precondition)
      << "another version of the flow";
  ASSERT_TRUE(finish("flow-1", 1, "session-1", 500).ok());
  EXPECT_TRUE(store_->find_session("session-1").ok());
  EXPECT_EQ(store_->find_flow("flow-1", now).status().code(), ErrorCode::not_found);
  EXPECT_EQ(store_->list_sign_ins(10)->size(), 1u);
  EXPECT_EQ(store_->find_method(method.id)->last_used_step, 500);
  EXPECT_EQ(finish("flow-1", 1, "session-2", 501).code(), ErrorCode::failed_precondition)
      << "a flow ends once";

  // The same step again: refused, and nothing of it written.
  ASSERT_TRUE(store_
                  ->save_flow({"flow-2", SecretBytes::from_string("{}"), 0,
                               now + std::chrono::hours(1), user.id})
                  .ok());
  EXPECT_EQ(finish("flow-2", 1, "session-3", 500).code(), ErrorCode::already_exists);
  EXPECT_EQ(store_->find_session("session-3").status().code(), ErrorCode::not_found);
  EXPECT_TRUE(store_->find_flow("flow-2", now).ok());
  EXPECT_EQ(store_->list_sign_ins(10)->size(), 1u);
}

TEST_P(StoreTest, OfParallelFinishesOfOneFlowExactlyOneCommits) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_
                  ->save_flow({"flow-1", SecretBytes::from_string("{}"), 0,
                               now + std::chrono::hours(1), user.id})
                  .ok());
  std::atomic<int> committed = 0;
  std::atomic<int> refused = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      const SessionRecord session{"session-" + std::to_string(t), user.id, now, now,
                                  now + std::chrono::hours(1),    false,   now};
      const Status status = store_->transaction([&](Store& tx) -> Status {
        TESSERA_RETURN_IF_ERROR(tx.check_user_unchanged(user.id, 0));
        TESSERA_RETURN_IF_ERROR(tx.delete_flow_at_version("flow-1", 1));
        return tx.create_session(session);
      });
      if (status.ok()) {
        ++committed;
      } else if (status.code() == ErrorCode::failed_precondition) {
        ++refused;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(committed.load(), 1);
  EXPECT_EQ(refused.load(), 7);
  int sessions = 0;
  for (int t = 0; t < 8; ++t)
    sessions += store_->find_session("session-" + std::to_string(t)).ok() ? 1 : 0;
  EXPECT_EQ(sessions, 1);
}

TEST_P(StoreTest, AFlowMovesToANewKeyAndCountsItsCodeAttemptsAfresh) {
  const Timestamp now = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_
                  ->save_flow({"old-key", SecretBytes::from_string("at password"), 0,
                               now + std::chrono::hours(1)})
                  .ok());
  EXPECT_EQ(**store_->count_flow_attempt("old-key", 2), 1);
  EXPECT_EQ(**store_->count_flow_attempt("old-key", 2), 2);
  EXPECT_EQ(*store_->count_flow_attempt("old-key", 2), std::nullopt) << "at the limit";
  const std::string new_key = "new-key";
  ASSERT_EQ(*store_->save_flow({"old-key", SecretBytes::from_string("at code"), 1,
                                now + std::chrono::hours(1), "user-1"},
                               &new_key),
            2);
  EXPECT_EQ(store_->find_flow("old-key", now).status().code(), ErrorCode::not_found);
  auto moved = store_->find_flow("new-key", now);
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  EXPECT_EQ(moved->state.view(), "at code");  // sealed under its new key, and opens
  EXPECT_EQ(moved->version, 2);
  EXPECT_EQ(moved->user_id, "user-1");
  EXPECT_EQ(moved->code_attempts, 0);
  EXPECT_EQ(**store_->count_flow_attempt("new-key", 2), 1);
  EXPECT_EQ(*store_->count_flow_attempt("gone", 2), std::nullopt);
}

TEST_P(StoreTest, EndingAUsersFlowsSparesTheOneNamedAndOtherUsers) {
  const Timestamp now = from_unix_seconds(1'700'000'000);
  const Timestamp expires = now + std::chrono::hours(1);
  for (const auto& [key, user] : std::vector<std::pair<std::string, std::string>>{
           {"a1", "alice"}, {"a2", "alice"}, {"a3", "alice"}, {"b1", "bob"}, {"n1", ""}}) {
    ASSERT_TRUE(store_->save_flow({key, SecretBytes::from_string("{}"), 0, expires, user}).ok());
  }
  ASSERT_TRUE(store_->delete_user_flows("alice", "a2").ok());
  EXPECT_FALSE(store_->find_flow("a1", now).ok());
  EXPECT_TRUE(store_->find_flow("a2", now).ok());
  EXPECT_FALSE(store_->find_flow("a3", now).ok());
  EXPECT_TRUE(store_->find_flow("b1", now).ok());
  EXPECT_TRUE(store_->find_flow("n1", now).ok());
  ASSERT_TRUE(store_->delete_user_flows("alice", "").ok());
  EXPECT_FALSE(store_->find_flow("a2", now).ok());
}

TEST_P(StoreTest, DeletingAUserEndsTheirFlows) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_
                  ->save_flow({"flow-1", SecretBytes::from_string("{}"), 0,
                               now + std::chrono::hours(1), user.id})
                  .ok());
  ASSERT_TRUE(store_->delete_user(user.id, nullptr).ok());
  EXPECT_EQ(store_->find_flow("flow-1", now).status().code(), ErrorCode::not_found);
}

TEST_P(StoreTest, CountersWithoutUserLockLikeAccountsAndAreForgottenWhenIdle) {
  const Timestamp now = from_unix_seconds(1'700'000'000);
  ThrottleRule rule = lockout(2, std::chrono::minutes(5), std::chrono::hours(24));
  rule.forget_after = std::chrono::hours(1);
  const ThrottleKey name{"name:name-hash", ""};
  EXPECT_EQ(*store_->find_throttle(name.key), std::nullopt);
  auto first = **store_->count_attempt(name, now, rule);
  EXPECT_EQ(first.count, 1);
  EXPECT_EQ(first.locked_until, std::nullopt);
  EXPECT_EQ((*store_->count_attempt({"name:other-hash", ""}, now, rule))->count, 1);
  const auto second = **store_->count_attempt(name, now, rule);
  EXPECT_EQ(second.count, 2);
  const Timestamp until = now + std::chrono::minutes(5);
  EXPECT_EQ(second.locked_until, until) << "the second attempt reached the limit";
  EXPECT_EQ((*store_->find_throttle(name.key))->locked_until, until);
  EXPECT_EQ(*store_->count_attempt(name, now, rule), std::nullopt) << "locked: not counted";
  EXPECT_EQ((*store_->count_attempt(name, until, rule))->count, 3);
  // Idle for the rule's hour, and nothing locked: the sweep forgets it; a counter of a rule
  // without forget_after stays.
  const ThrottleKey kept{"kept", ""};
  ASSERT_TRUE(store_->count_attempt(kept, now, no_lockout()).ok());
  EXPECT_EQ(*store_->forget_idle_throttles(until + std::chrono::minutes(59)), 1)
      << "only the other name, idle since `now`";
  const Timestamp later = until + std::chrono::hours(1);
  EXPECT_EQ(*store_->forget_idle_throttles(later), 1);
  EXPECT_EQ((*store_->count_attempt(name, later, rule))->count, 1);
  EXPECT_EQ((*store_->find_throttle(kept.key))->count, 1);
}

TEST_P(StoreTest, TheLockCountedInSqlIsTheDomainRule) {
  const Timestamp now = from_unix_seconds(1'700'000'000);
  for (const bool doubling : {true, false}) {
    const ThrottleRule rule =
        lockout(3, std::chrono::seconds(60), std::chrono::seconds(3600), doubling);
    const ThrottleKey key{doubling ? "doubling" : "constant", ""};
    Timestamp at = now;
    for (int count = 1; count <= 40; ++count) {
      auto attempt = store_->count_attempt(key, at, rule);
      ASSERT_TRUE(attempt.ok() && attempt->has_value()) << count;
      EXPECT_EQ((*attempt)->count, count);
      EXPECT_EQ((*attempt)->locked_until, lock_started_at(count, at, rule)) << count;
      if ((*attempt)->locked_until) at = *(*attempt)->locked_until;
    }
  }
}

TEST_P(StoreTest, TheAttemptReachingTheThresholdLocksAtOnceAndLockoutsDouble) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  Timestamp now = from_unix_seconds(1'700'000'000);
  const ThrottleRule rule = lockout(5, std::chrono::minutes(1), std::chrono::minutes(3));
  // 16 attempts at once: exactly 5 are counted, and the 5th locked as it was counted.
  std::atomic<int> counted = 0;
  std::atomic<int> locking = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      auto attempt = store_->count_attempt(passwords_of(user), now, rule);
      if (!attempt.ok() || !*attempt) return;
      ++counted;
      if ((*attempt)->locked_until) {
        ++locking;
        EXPECT_EQ((*attempt)->count, 5);
        EXPECT_EQ((*attempt)->locked_until, now + std::chrono::minutes(1));
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(counted.load(), 5);
  EXPECT_EQ(locking.load(), 1);
  // Each further lockout doubles, up to the maximum.
  const std::vector<std::chrono::minutes> expected = {std::chrono::minutes(2),
                                                      std::chrono::minutes(3)};
  for (const auto minutes : expected) {
    now = *(*store_->find_throttle(passwords_of(user).key))->locked_until;
    std::optional<CountedAttempt> last;
    for (int i = 0; i < 5; ++i)
      last = *store_->count_attempt(passwords_of(user), now, rule);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->locked_until, now + minutes);
  }
  // Without doubling, every lock lasts the same.
  const ThrottleRule constant = lockout(5, std::chrono::minutes(1), std::chrono::minutes(3), false);
  const ThrottleKey other{"other:" + user.id, user.id};
  for (int round = 0; round < 3; ++round) {
    std::optional<CountedAttempt> last;
    for (int i = 0; i < 5; ++i)
      last = *store_->count_attempt(other, now, constant);
    ASSERT_TRUE(last);
    EXPECT_EQ(last->locked_until, now + std::chrono::minutes(1));
    EXPECT_EQ(*store_->count_attempt(other, now, constant), std::nullopt);
    now = *last->locked_until;
  }
}

TEST_P(StoreTest, AWindowedCountStartsAfreshOnceItsWindowPassed) {
  const ThrottleKey network{"starts:198.51.100.0/24", ""};
  const Timestamp start = from_unix_seconds(10'000);
  ThrottleRule rule;
  rule.limit = 1000;
  rule.window = std::chrono::minutes(10);  // and no lock: the caller reads the count
  EXPECT_EQ((*store_->count_attempt(network, start, rule))->count, 1);
  EXPECT_EQ((*store_->count_attempt(network, start + std::chrono::seconds(1), rule))->count, 2);
  EXPECT_EQ((*store_->count_attempt({"starts:203.0.113.0/24", ""}, start, rule))->count, 1);
  EXPECT_EQ((*store_->count_attempt(network, start + std::chrono::seconds(599), rule))->count, 3);
  const Timestamp later = start + std::chrono::minutes(10);
  EXPECT_EQ((*store_->count_attempt(network, later, rule))->count, 1);
  EXPECT_EQ((*store_->count_attempt(network, later + std::chrono::minutes(9), rule))->count, 2)
      << "the new window began with the first attempt after the old one";
}

TEST_P(StoreTest, ParallelCodeAttemptsNeverCountPastTheLimit) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_
                  ->save_flow({"flow-1", SecretBytes::from_string("{}"), 0,
                               now + std::chrono::hours(1), user.id})
                  .ok());
  std::atomic<int> user_allowed = 0;
  std::atomic<int> flow_allowed = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      auto counted = store_->count_attempt(
          {"codes:" + user.id, user.id}, now,
          lockout(10, std::chrono::minutes(15), std::chrono::minutes(15), false));
      if (counted.ok() && *counted) ++user_allowed;
      auto in_flow = store_->count_flow_attempt("flow-1", 5);
      if (in_flow.ok() && *in_flow) ++flow_allowed;
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_EQ(user_allowed.load(), 10);
  EXPECT_EQ(flow_allowed.load(), 5);
}

TEST_P(StoreTest, OfTwoNodesStartingWithDifferentMasterKeysOnlyOneStarts) {
  // Both find no check row, both insert; the loser must open the winner's row and fail.
  for (int round = 0; round < 6; ++round) {
    StoreConfig config = config_;
    TempDir other_dir;
    if (config.kind == StoreConfig::Kind::sqlite) {
      config.sqlite_path = other_dir.path() / "fresh.db";
      config.create_if_missing = true;
    } else {
      config.postgres_url = *shared_postgres_server().create_database();
    }
    const SecretSealer key_a = *SecretSealer::make(SecretBytes(std::vector<std::uint8_t>(32, 1)));
    const SecretSealer key_b = *SecretSealer::make(SecretBytes(std::vector<std::uint8_t>(32, 2)));
    auto a = open_store(config, key_a, rng_);
    ASSERT_TRUE(a.ok()) << a.status().message();
    ASSERT_TRUE((*a)->migrate().ok());
    config.create_if_missing = false;
    DeterministicRng rng_b(99);
    auto b = open_store(config, key_b, rng_b);
    ASSERT_TRUE(b.ok()) << b.status().message();
    Status verified_a;
    Status verified_b;
    std::thread first([&] { verified_a = (*a)->verify_master_key(); });
    std::thread second([&] { verified_b = (*b)->verify_master_key(); });
    first.join();
    second.join();
    EXPECT_NE(verified_a.ok(), verified_b.ok())
        << "round " << round << ": a=" << verified_a.message() << " b=" << verified_b.message();
    const Status loser = verified_a.ok() ? verified_b : verified_a;
    EXPECT_EQ(loser.code(), ErrorCode::data_loss);
  }
}

TEST_P(StoreTest, FamiliarNetworksKeepOnlyTheNewestFew) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  EXPECT_FALSE(store_->find_familiar_network(user.id, "10.0.0.0/24")->has_value());
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(store_
                    ->remember_network(user.id, "10.0." + std::to_string(i) + ".0/24",
                                       from_unix_seconds(1000 + i))
                    .ok());
  }
  EXPECT_FALSE(store_->find_familiar_network(user.id, "10.0.1.0/24")->has_value())
      << "only the newest kMaxFamiliarNetworks are kept";
  auto newest = store_->find_familiar_network(user.id, "10.0.6.0/24");
  ASSERT_TRUE(newest.ok() && newest->has_value());
  EXPECT_EQ((*newest)->last_seen, from_unix_seconds(1006));
  ASSERT_TRUE(store_->remember_network(user.id, "10.0.6.0/24", from_unix_seconds(2000)).ok());
  EXPECT_EQ((*store_->find_familiar_network(user.id, "10.0.6.0/24"))->last_seen,
            from_unix_seconds(2000));
  EXPECT_TRUE(store_->find_familiar_network(user.id, "10.0.2.0/24")->has_value());
}

TEST_P(StoreTest, AWindowedCountThatLocksStartsAfreshAfterTheLock) {
  const ThrottleKey network{"failures:198.51.100.0/24", ""};
  ThrottleRule rule = lockout(3, std::chrono::minutes(15), std::chrono::minutes(15), false);
  rule.window = std::chrono::minutes(15);
  const Timestamp start = from_unix_seconds(10'000);
  EXPECT_EQ((*store_->count_attempt(network, start, rule))->count, 1);
  EXPECT_EQ((*store_->count_attempt(network, start + std::chrono::seconds(5), rule))->count, 2);
  const auto third = **store_->count_attempt(network, start + std::chrono::seconds(9), rule);
  EXPECT_EQ(third.locked_until, start + std::chrono::seconds(9) + std::chrono::minutes(15));
  EXPECT_EQ(*store_->count_attempt(network, start + std::chrono::minutes(14), rule), std::nullopt);
  // The lock and the window are over: counting starts again, unlocked.
  const auto after = **store_->count_attempt(network, *third.locked_until, rule);
  EXPECT_EQ(after.count, 1);
  EXPECT_EQ(after.locked_until, std::nullopt);
  EXPECT_EQ(*store_->find_throttle("failures:203.0.113.0/24"), std::nullopt);
}

// --- Deliveries: the queue of texts, calls and emails.

Delivery queued_delivery(const User& user, std::string id, Timestamp created_at,
                         DeliveryChannel channel = DeliveryChannel::text) {
  Delivery delivery;
  delivery.id = std::move(id);
  delivery.channel = channel;
  delivery.destination = "+447700900123";
  delivery.user_id = user.id;
  delivery.content = SecretBytes::from_string("Your code is 123456 (" + delivery.id + ")");
  delivery.created_at = created_at;
  delivery.updated_at = created_at;
  return delivery;
}

TEST_P(StoreTest, ADeliveryRoundTripsWithItsContentAndStartsQueued) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'000);
  Delivery given = queued_delivery(user, "delivery-1", now, DeliveryChannel::call);
  given.status = DeliveryStatus::sent;  // whatever it says, it is queued as new
  given.attempts = 3;
  ASSERT_TRUE(store_->add_delivery(given).ok());
  auto found = store_->find_delivery("delivery-1");
  ASSERT_TRUE(found.ok()) << found.status().message();
  EXPECT_EQ(found->id, "delivery-1");
  EXPECT_EQ(found->channel, DeliveryChannel::call);
  EXPECT_EQ(found->destination, "+447700900123");
  EXPECT_EQ(found->user_id, user.id);
  EXPECT_EQ(found->content.view(), "Your code is 123456 (delivery-1)");
  EXPECT_EQ(found->status, DeliveryStatus::queued);
  EXPECT_EQ(found->attempts, 0);
  EXPECT_EQ(found->last_error, "");
  EXPECT_EQ(found->provider_id, "");
  EXPECT_EQ(found->answer, CallAnswer::none);
  EXPECT_EQ(found->created_at, now);
  EXPECT_EQ(found->updated_at, now);
  EXPECT_TRUE(found->reports_fraud);

  Delivery empty = queued_delivery(user, "delivery-2", now);
  empty.content = SecretBytes();
  empty.reports_fraud = false;  // a registration's call
  ASSERT_TRUE(store_->add_delivery(empty).ok());
  EXPECT_TRUE(store_->find_delivery("delivery-2")->content.empty());
  EXPECT_FALSE(store_->find_delivery("delivery-2")->reports_fraud);
  EXPECT_EQ(store_->find_delivery("missing").status().code(), ErrorCode::not_found);
  const User ghost = make_user("ghost@example.com");
  EXPECT_EQ(store_->add_delivery(queued_delivery(ghost, "delivery-3", now)).code(),
            ErrorCode::not_found);
}

TEST_P(StoreTest, ADeliveryIdTakenAlreadyIsAlreadyExists) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp now = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_->add_delivery(queued_delivery(user, "delivery-1", now)).ok());
  Delivery again = queued_delivery(user, "delivery-1", now + std::chrono::seconds(1));
  again.destination = "+447700900999";
  EXPECT_EQ(store_->add_delivery(again).code(), ErrorCode::already_exists);
  EXPECT_EQ(store_->find_delivery("delivery-1")->destination, "+447700900123");
}

TEST_P(StoreTest, DeliveriesAreClaimedOldestFirstAndBecomeSending) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp start = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_->add_delivery(queued_delivery(user, "newest", start + 20s)).ok());
  ASSERT_TRUE(store_->add_delivery(queued_delivery(user, "oldest", start)).ok());
  ASSERT_TRUE(store_->add_delivery(queued_delivery(user, "middle", start + 10s)).ok());
  const Timestamp now = start + 60s;
  for (const std::string expected : {"oldest", "middle", "newest"}) {
    auto claimed = store_->claim_delivery(now, now - 5min);
    ASSERT_TRUE(claimed.ok()) << claimed.status().message();
    ASSERT_TRUE(claimed->has_value()) << expected;
    EXPECT_EQ((*claimed)->id, expected);
    EXPECT_EQ((*claimed)->status, DeliveryStatus::sending);
    EXPECT_EQ((*claimed)->attempts, 1);
    EXPECT_EQ((*claimed)->updated_at, now);
    EXPECT_EQ((*claimed)->content.view(), "Your code is 123456 (" + expected + ")");
    EXPECT_EQ(store_->find_delivery(expected)->status, DeliveryStatus::sending);
  }
  EXPECT_EQ(*store_->claim_delivery(now, now - 5min), std::nullopt);
}

TEST_P(StoreTest, ParallelSendersNeverClaimTheSameDeliveryTwice) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp start = from_unix_seconds(1'700'000'000);
  constexpr int kDeliveries = 24;
  for (int i = 0; i < kDeliveries; ++i) {
    ASSERT_TRUE(store_
                    ->add_delivery(queued_delivery(user, "delivery-" + std::to_string(i),
                                                   start + std::chrono::seconds(i / 4)))
                    .ok());
  }
  const Timestamp now = start + 60s;
  std::atomic<int> errors = 0;
  std::mutex mutex;
  std::multiset<std::string> claimed_ids;
  std::vector<std::thread> senders;
  for (int t = 0; t < 6; ++t) {
    senders.emplace_back([&] {
      for (;;) {
        auto claimed = store_->claim_delivery(now, now - 5min);
        if (!claimed.ok()) {
          ++errors;
          return;
        }
        if (!claimed->has_value()) return;
        std::lock_guard lock(mutex);
        claimed_ids.insert((*claimed)->id);
      }
    });
  }
  for (auto& sender : senders)
    sender.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claimed_ids.size(), static_cast<std::size_t>(kDeliveries));
  for (int i = 0; i < kDeliveries; ++i) {
    const std::string id = "delivery-" + std::to_string(i);
    EXPECT_EQ(claimed_ids.count(id), 1u) << id;
    EXPECT_EQ(store_->find_delivery(id)->attempts, 1) << id;
  }
}

TEST_P(StoreTest, ADeliveryLeftSendingSinceBeforeStaleIsClaimedAgain) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp start = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_->add_delivery(queued_delivery(user, "delivery-1", start)).ok());
  ASSERT_TRUE(store_->claim_delivery(start, start - 5min)->has_value());
  // Its sender may still be at work: claimed at `start`, not before.
  EXPECT_EQ(*store_->claim_delivery(start + 1min, start), std::nullopt);
  // Its sender died: claimed again, counted as a second try.
  const Timestamp later = start + 10min;
  auto again = store_->claim_delivery(later, later - 5min);
  ASSERT_TRUE(again.ok()) << again.status().message();
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->id, "delivery-1");
  EXPECT_EQ((*again)->attempts, 2);
  EXPECT_EQ((*again)->updated_at, later);
  EXPECT_EQ((*again)->content.view(), "Your code is 123456 (delivery-1)");
  EXPECT_EQ(*store_->claim_delivery(later, later - 5min), std::nullopt);
}

TEST_P(StoreTest, FinishingEmptiesTheContentUnlessKeptAndBoundsTheError) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp start = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_->add_delivery(queued_delivery(user, "text", start)).ok());
  ASSERT_TRUE(
      store_->add_delivery(queued_delivery(user, "call", start + 1s, DeliveryChannel::call)).ok());
  ASSERT_TRUE(store_->add_delivery(queued_delivery(user, "failing", start + 2s)).ok());
  const Timestamp now = start + 60s;
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(store_->claim_delivery(now, now - 5min)->has_value());
  const Timestamp done = now + 3s;

  EXPECT_TRUE(*store_->finish_delivery("text", DeliveryStatus::sent, "SM123", "", false, done));
  const Delivery text = *store_->find_delivery("text");
  EXPECT_EQ(text.status, DeliveryStatus::sent);
  EXPECT_EQ(text.provider_id, "SM123");
  EXPECT_EQ(text.updated_at, done);
  EXPECT_TRUE(text.content.empty());

  EXPECT_TRUE(*store_->finish_delivery("call", DeliveryStatus::sent, "CA456", "", true, done));
  const Delivery call = *store_->find_delivery("call");
  EXPECT_EQ(call.status, DeliveryStatus::sent);
  EXPECT_EQ(call.content.view(), "Your code is 123456 (call)");

  // A long error is cut to the bound, between characters (é is two bytes).
  std::string error;
  while (error.size() < 3 * kMaxDeliveryErrorLength)
    error += "é";
  error.insert(0, "x");
  EXPECT_TRUE(*store_->finish_delivery("failing", DeliveryStatus::failed, "", error, false, done));
  const Delivery failed = *store_->find_delivery("failing");
  EXPECT_EQ(failed.status, DeliveryStatus::failed);
  EXPECT_EQ(failed.last_error.size(), kMaxDeliveryErrorLength - 1);
  EXPECT_TRUE(error.starts_with(failed.last_error));
  EXPECT_TRUE(failed.content.empty());
  // Finished deliveries are not handed out again, stale or not.
  EXPECT_EQ(*store_->claim_delivery(done + 1h, done + 1h), std::nullopt);
}

TEST_P(StoreTest, OnlyADeliveryBeingSentFinishes) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp start = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_->add_delivery(queued_delivery(user, "queued", start)).ok());
  EXPECT_FALSE(*store_->finish_delivery("queued", DeliveryStatus::sent, "SM1", "", false, start));
  EXPECT_EQ(store_->find_delivery("queued")->status, DeliveryStatus::queued);
  EXPECT_EQ(store_->find_delivery("queued")->content.view(), "Your code is 123456 (queued)");

  ASSERT_TRUE(store_->claim_delivery(start, start - 5min)->has_value());
  EXPECT_TRUE(
      *store_->finish_delivery("queued", DeliveryStatus::failed, "", "refused", false, start + 1s));
  // Finished once: a second end (a sender that was thought dead) changes nothing.
  EXPECT_FALSE(
      *store_->finish_delivery("queued", DeliveryStatus::sent, "SM2", "", false, start + 2s));
  const Delivery found = *store_->find_delivery("queued");
  EXPECT_EQ(found.status, DeliveryStatus::failed);
  EXPECT_EQ(found.last_error, "refused");
  EXPECT_EQ(found.provider_id, "");
  EXPECT_FALSE(*store_->finish_delivery("missing", DeliveryStatus::sent, "", "", false, start));
}

TEST_P(StoreTest, ASentCallIsAnsweredOnceAndOnlyOnceSent) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp start = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(
      store_->add_delivery(queued_delivery(user, "call", start, DeliveryChannel::call)).ok());
  ASSERT_TRUE(store_->add_delivery(queued_delivery(user, "text", start + 1s)).ok());
  EXPECT_FALSE(*store_->answer_call("call", CallAnswer::approved, start));  // queued
  ASSERT_EQ((*store_->claim_delivery(start, start - 5min))->id, "call");
  EXPECT_FALSE(*store_->answer_call("call", CallAnswer::approved, start));  // sending
  ASSERT_TRUE(*store_->finish_delivery("call", DeliveryStatus::sent, "CA1", "", true, start));

  const Timestamp answered_at = start + 30s;
  EXPECT_TRUE(*store_->answer_call("call", CallAnswer::approved, answered_at));
  Delivery call = *store_->find_delivery("call");
  EXPECT_EQ(call.answer, CallAnswer::approved);
  EXPECT_EQ(call.updated_at, answered_at);
  EXPECT_TRUE(call.content.empty());
  EXPECT_FALSE(*store_->answer_call("call", CallAnswer::fraud_reported, answered_at + 1s));
  EXPECT_EQ(store_->find_delivery("call")->answer, CallAnswer::approved);

  // A text is no call, even once sent.
  ASSERT_EQ((*store_->claim_delivery(start, start - 5min))->id, "text");
  ASSERT_TRUE(*store_->finish_delivery("text", DeliveryStatus::sent, "SM1", "", true, start));
  EXPECT_FALSE(*store_->answer_call("text", CallAnswer::approved, answered_at));
  EXPECT_EQ(store_->find_delivery("text")->answer, CallAnswer::none);
  EXPECT_FALSE(*store_->answer_call("missing", CallAnswer::approved, answered_at));
}

TEST_P(StoreTest, DeliveriesQueuedOrBeingSentCountAsUnsent) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp start = from_unix_seconds(1'700'000'000);
  EXPECT_EQ(*store_->count_unsent_deliveries(), 0u);
  for (const std::string id : {"a", "b", "c"})
    ASSERT_TRUE(store_->add_delivery(queued_delivery(user, id, start)).ok());
  EXPECT_EQ(*store_->count_unsent_deliveries(), 3u);
  const std::string first = (*store_->claim_delivery(start, start - 5min))->id;
  EXPECT_EQ(*store_->count_unsent_deliveries(), 3u);
  ASSERT_TRUE(*store_->finish_delivery(first, DeliveryStatus::sent, "SM1", "", false, start));
  EXPECT_EQ(*store_->count_unsent_deliveries(), 2u);
  const std::string second = (*store_->claim_delivery(start, start - 5min))->id;
  ASSERT_TRUE(*store_->finish_delivery(second, DeliveryStatus::failed, "", "no", false, start));
  EXPECT_EQ(*store_->count_unsent_deliveries(), 1u);
}

TEST_P(StoreTest, DeliveriesCreatedBeforeTheCutoffAreForgotten) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  const Timestamp start = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_->add_delivery(queued_delivery(user, "old", start)).ok());
  ASSERT_TRUE(store_->add_delivery(queued_delivery(user, "older", start - 1h)).ok());
  ASSERT_TRUE(store_->add_delivery(queued_delivery(user, "new", start + 1h)).ok());
  EXPECT_EQ(*store_->delete_deliveries_before(start + 1s), 2u);
  EXPECT_EQ(store_->find_delivery("old").status().code(), ErrorCode::not_found);
  EXPECT_EQ(store_->find_delivery("older").status().code(), ErrorCode::not_found);
  EXPECT_TRUE(store_->find_delivery("new").ok());
  EXPECT_EQ(*store_->delete_deliveries_before(start + 1h), 0u) << "created at the cutoff stays";
}

TEST_P(StoreTest, DeletingAUserDeletesTheirDeliveries) {
  const User alice = make_user("alice@example.com");
  const User bob = make_user("bob@example.com");
  ASSERT_TRUE(store_->create_user(alice, nullptr).ok());
  ASSERT_TRUE(store_->create_user(bob, nullptr).ok());
  const Timestamp start = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_->add_delivery(queued_delivery(alice, "for-alice", start)).ok());
  ASSERT_TRUE(store_->add_delivery(queued_delivery(bob, "for-bob", start)).ok());
  ASSERT_TRUE(store_->delete_user(alice.id, nullptr).ok());
  EXPECT_EQ(store_->find_delivery("for-alice").status().code(), ErrorCode::not_found);
  EXPECT_TRUE(store_->find_delivery("for-bob").ok());
  EXPECT_EQ(*store_->count_unsent_deliveries(), 1u);
}

TEST_P(StoreTest, ADeliveryWithAnUnknownStoredStatusIsDataLoss) {
  const User user = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(user, nullptr).ok());
  ASSERT_TRUE(
      store_->add_delivery(queued_delivery(user, "delivery-1", from_unix_seconds(1'700'000'000)))
          .ok());
  ASSERT_TRUE(raw_sql("UPDATE deliveries SET status = 9").ok());
  EXPECT_EQ(store_->find_delivery("delivery-1").status().code(), ErrorCode::data_loss);
}

TEST_P(StoreTest, RememberedDevicesAreFoundUntilTheyExpireAndForgottenPerUser) {
  const User alice = make_user("alice@example.com");
  const User bob = make_user("bob@example.com");
  ASSERT_TRUE(store_->create_user(alice, nullptr).ok());
  ASSERT_TRUE(store_->create_user(bob, nullptr).ok());
  const Timestamp t = from_unix_seconds(1'700'000'000);
  ASSERT_TRUE(store_->remember_device({"hash-a1", alice.id, t, t + std::chrono::days(14)}).ok());
  ASSERT_TRUE(store_->remember_device({"hash-b1", bob.id, t, t + std::chrono::days(14)}).ok());
  auto found = store_->find_remembered_device("hash-a1", t + std::chrono::days(13));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->user_id, alice.id);
  EXPECT_EQ((*found)->created_at, t);
  EXPECT_FALSE(store_->find_remembered_device("hash-a1", t + std::chrono::days(14))->has_value());
  EXPECT_EQ(store_->remember_device({"hash-x", "no-such-user", t, t}).code(), ErrorCode::not_found);
  EXPECT_EQ(*store_->count_remembered_devices(alice.id, t), 1u);
  EXPECT_EQ(*store_->forget_remembered_devices(alice.id), 1u);
  EXPECT_FALSE(store_->find_remembered_device("hash-a1", t)->has_value());
  EXPECT_TRUE(store_->find_remembered_device("hash-b1", t)->has_value());
  // Only the newest kMaxRememberedDevices of a user are kept.
  for (std::size_t i = 0; i < kMaxRememberedDevices + 2; ++i) {
    ASSERT_TRUE(store_
                    ->remember_device({"hash-b-" + std::to_string(i), bob.id,
                                       t + std::chrono::seconds(i + 1), t + std::chrono::days(1)})
                    .ok());
  }
  EXPECT_EQ(*store_->count_remembered_devices(bob.id, t), kMaxRememberedDevices);
  EXPECT_FALSE(store_->find_remembered_device("hash-b1", t)->has_value());
}

TEST_P(StoreTest, FraudReportsAreToldOnceAndReportLinksWorkOnce) {
  const User alice = make_user("alice@example.com");
  ASSERT_TRUE(store_->create_user(alice, nullptr).ok());
  const Timestamp t = from_unix_seconds(1'700'000'000);
  EXPECT_FALSE(store_->untold_fraud_report(alice.id)->has_value());
  ASSERT_TRUE(store_->add_fraud_report({"r1", alice.id, t, "call", true, std::nullopt}).ok());
  ASSERT_TRUE(store_
                  ->add_fraud_report(
                      {"r2", alice.id, t + std::chrono::seconds(5), "email", false, std::nullopt})
                  .ok());
  auto untold = store_->untold_fraud_report(alice.id);
  ASSERT_TRUE(untold.ok() && untold->has_value());
  EXPECT_EQ((*untold)->id, "r2");  // the newest
  EXPECT_EQ((*untold)->source, "email");
  ASSERT_TRUE(store_->mark_fraud_reports_told(alice.id, t + std::chrono::minutes(1)).ok());
  EXPECT_FALSE(store_->untold_fraud_report(alice.id)->has_value());

  ASSERT_TRUE(store_->add_report_link("link-1", alice.id, t + std::chrono::hours(24)).ok());
  EXPECT_EQ(*store_->peek_report_link("link-1", t), alice.id);
  EXPECT_EQ(*store_->take_report_link("link-1", t), alice.id);
  EXPECT_EQ(store_->take_report_link("link-1", t).status().code(), ErrorCode::not_found);
  ASSERT_TRUE(store_->add_report_link("link-2", alice.id, t + std::chrono::hours(24)).ok());
  EXPECT_EQ(store_->take_report_link("link-2", t + std::chrono::hours(24)).status().code(),
            ErrorCode::not_found);
  EXPECT_EQ(*store_->delete_expired_report_links(t + std::chrono::hours(24)), 1u);
  // Deleting the user deletes what is theirs.
  ASSERT_TRUE(store_->add_report_link("link-3", alice.id, t + std::chrono::hours(24)).ok());
  ASSERT_TRUE(store_->delete_user(alice.id, nullptr).ok());
  EXPECT_EQ(store_->peek_report_link("link-3", t).status().code(), ErrorCode::not_found);
}

INSTANTIATE_TEST_SUITE_P(Kinds, StoreTest,
                         ::testing::Values(StoreConfig::Kind::sqlite, StoreConfig::Kind::postgres),
                         kind_name);

}  // namespace
}  // namespace tessera::testing
