// A use case that changes several things does all of them or none, whatever fails in the middle.
// Each test runs one use case again and again on a fresh SQLite store whose connections fail the
// k-th write (INSERT, UPDATE, DELETE or COMMIT) the use case makes, for k = 1, 2, … until a run
// makes fewer writes than k and succeeds: after every failed run nothing of it is left, and after
// the successful one everything is done.
#include <atomic>
#include <cctype>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/ids.h"
#include "base/rng.h"
#include "crypto/aead.h"
#include "crypto/otp.h"
#include "crypto/sodium_init.h"
#include "methods/authenticator_app/authenticator_app.h"
#include "service/password_hashing.h"
#include "service/policy_service.h"
#include "service/security_info_service.h"
#include "service/session_service.h"
#include "service/sign_in_service.h"
#include "service/throttles.h"
#include "service/user_admin_service.h"
#include "storage/sql.h"
#include "storage/sql_store.h"
#include "storage/sqlite_connection.h"
#include "support/temp_dir.h"

namespace tessera {
namespace {

constexpr const char* kPassword = "Correct-Horse-Battery-9";
const SignInClient kClient{"203.0.113.7", "Security info"};

// Which write fails: the `fail_at`-th counted since arming (0: none). Shared by all connections.
struct FaultPlan {
  std::atomic<bool> armed = false;
  std::atomic<int> fail_at = 0;
  std::atomic<int> writes = 0;
  std::atomic<bool> failed = false;

  bool next_write_fails() {
    if (!armed.load()) return false;
    const int number = ++writes;
    if (number != fail_at.load()) return false;
    failed = true;
    return true;
  }
};

bool is_write(std::string_view sql) {
  while (!sql.empty() && std::isspace(static_cast<unsigned char>(sql.front())))
    sql.remove_prefix(1);
  for (const std::string_view verb : {"INSERT", "UPDATE", "DELETE"}) {
    if (sql.size() >= verb.size()) {
      bool same = true;
      for (std::size_t i = 0; i < verb.size(); ++i) {
        same = same && std::toupper(static_cast<unsigned char>(sql[i])) == verb[i];
      }
      if (same) return true;
    }
  }
  return false;
}

// A real SQLite connection that fails the planned write as a lost database would.
class FaultyConnection final : public SqlConnection {
 public:
  FaultyConnection(std::unique_ptr<SqlConnection> inner, FaultPlan& plan)
      : inner_(std::move(inner)), plan_(plan) {}

  Result<SqlResult> execute(std::string_view sql, const SqlParams& params) override {
    if (is_write(sql) && plan_.next_write_fails()) return unavailable("injected fault");
    return inner_->execute(sql, params);
  }
  Result<SqlResult> execute_ephemeral(std::string_view sql, const SqlParams& params) override {
    if (is_write(sql) && plan_.next_write_fails()) return unavailable("injected fault");
    return inner_->execute_ephemeral(sql, params);
  }
  Status execute_script(std::string_view sql) override { return inner_->execute_script(sql); }
  Status begin() override { return inner_->begin(); }
  Status begin_migration() override { return inner_->begin_migration(); }
  Status commit() override {
    if (plan_.next_write_fails()) {
      inner_->rollback();
      return unavailable("injected fault at commit");
    }
    return inner_->commit();
  }
  void rollback() override { inner_->rollback(); }
  Result<bool> table_exists(std::string_view name) override { return inner_->table_exists(name); }
  std::string adapt_schema(std::string_view sql) const override {
    return inner_->adapt_schema(sql);
  }
  bool healthy() const override { return inner_->healthy(); }

 private:
  std::unique_ptr<SqlConnection> inner_;
  FaultPlan& plan_;
};

// Everything a use case needs, over a fresh store whose writes fail as `plan` says.
struct World {
  explicit World(FaultPlan& plan) : clock(from_unix_seconds(1'795'000'020)), rng(5) {
    methods.add(std::make_unique<AuthenticatorApp>());
    sealer.emplace(*SecretSealer::make(SecretBytes(std::vector<std::uint8_t>(32, 4))));
    const auto path = dir.path() / "tessera.db";
    auto create = std::make_shared<std::atomic<bool>>(true);
    ConnectionPool::Factory factory = [path, create,
                                       &plan]() -> Result<std::unique_ptr<SqlConnection>> {
      TESSERA_ASSIGN_OR_RETURN(auto inner, open_sqlite_connection(path, std::chrono::seconds(5),
                                                                  create->exchange(false)));
      return std::unique_ptr<SqlConnection>(
          std::make_unique<FaultyConnection>(std::move(inner), plan));
    };
    store = make_sql_store(std::make_unique<ConnectionPool>(std::move(factory), 4), *sealer, rng);
    EXPECT_TRUE(store->migrate().ok());
    users.emplace(*store, hasher, clock, rng);
    sessions.emplace(*store, clock, rng);
    security_info.emplace(*store, methods, clock, rng);
    sign_in.emplace(*store, methods, hashing, *sessions, clock, rng,
                    SecretBytes(std::vector<std::uint8_t>(32, 9)));
  }

  std::string add_user(const std::string& upn, MfaState state) {
    NewUser request;
    request.upn = upn;
    request.display_name = "Someone";
    request.password = SecretBytes::from_string(kPassword);
    auto added = users->add_user(request, Actor::cli());
    EXPECT_TRUE(added.ok());
    EXPECT_TRUE(users->set_mfa_state(upn, state, Actor::cli()).ok());
    return added.ok() ? added->user.id : "";
  }

  std::string add_app(const std::string& user_id, bool is_default) {
    Method method;
    method.id = new_id(rng);
    method.user_id = user_id;
    method.label = "Authenticator app";
    method.secret = SecretBytes::from_string("12345678901234567890");
    method.is_default = is_default;
    method.created_at = clock.now();
    EXPECT_TRUE(store->add_method(method, nullptr).ok());
    return method.id;
  }

  bool audited(std::string_view action) {
    const auto entries = store->list_audit(100);
    EXPECT_TRUE(entries.ok());
    if (!entries.ok()) return false;
    for (const AuditLogEntry& entry : *entries) {
      if (entry.action == action) return true;
    }
    return false;
  }

  testing::TempDir dir;
  ManualClock clock;
  DeterministicRng rng;
  std::optional<SecretSealer> sealer;
  MethodRegistry methods;
  std::unique_ptr<Store> store;
  PasswordHasher hasher{Argon2Parameters{8 * 1024, 1}};
  InlinePasswordHashing hashing{hasher};
  std::optional<UserAdminService> users;
  std::optional<SessionService> sessions;
  std::optional<SecurityInfoService> security_info;
  std::optional<SignInService> sign_in;
};

// The use case under test, in three parts run on one World: what exists before, the use case
// itself (its writes counted and the planned one failed), and the checks after.
struct UseCase {
  std::function<void(World&)> arrange;
  std::function<Status(World&)> act;
  std::function<void(World&)> untouched;  // after a run that failed
  std::function<void(World&)> done;       // after the run that succeeded
};

void fail_every_write_in_turn(const UseCase& use_case) {
  int failed_runs = 0;
  for (int fail_at = 1; fail_at <= 60; ++fail_at) {
    SCOPED_TRACE("write " + std::to_string(fail_at) + " fails");
    FaultPlan plan;
    World world(plan);
    use_case.arrange(world);
    if (::testing::Test::HasFatalFailure()) return;
    plan.fail_at = fail_at;
    plan.armed = true;
    const Status status = use_case.act(world);
    plan.armed = false;
    if (!plan.failed) {
      ASSERT_TRUE(status.ok()) << status.message();
      use_case.done(world);
      EXPECT_GT(failed_runs, 1) << "the use case should make several writes";
      return;
    }
    ++failed_runs;
    // Whether the use case reports the failure or recovers from it, it never half-happens.
    if (status.ok()) {
      use_case.done(world);
    } else {
      use_case.untouched(world);
    }
  }
  FAIL() << "the use case never succeeded";
}

TEST(UseCaseFaults, AnAdminsPasswordResetIsAllOrNothing) {
  std::string alice;
  std::string token;
  std::string old_hash;
  fail_every_write_in_turn({
      [&](World& w) {
        alice = w.add_user("alice@example.com", MfaState::disabled);
        token = std::string(w.sessions->issue(alice, false, std::nullopt)->token.view());
        ASSERT_TRUE(w.store
                        ->lock_throttle(throttles::account_passwords(alice),
                                        w.clock.now() + std::chrono::hours(1))
                        .ok());
        old_hash = w.store->find_user_by_id(alice)->password_hash;
      },
      [&](World& w) { return w.users->reset_password("alice@example.com", Actor::cli()).status(); },
      [&](World& w) {
        const User user = *w.store->find_user_by_id(alice);
        EXPECT_EQ(user.password_hash, old_hash);
        EXPECT_FALSE(user.password_temporary);
        EXPECT_TRUE(w.sessions->find(token).ok()) << "the session survives";
        EXPECT_TRUE(w.store->find_throttle(throttles::account_passwords(alice).key)->has_value())
            << "the lockout stays";
        EXPECT_FALSE(w.audited("user.reset_password"));
      },
      [&](World& w) {
        const User user = *w.store->find_user_by_id(alice);
        EXPECT_NE(user.password_hash, old_hash);
        EXPECT_TRUE(user.password_temporary);
        EXPECT_FALSE(w.sessions->find(token).ok());
        EXPECT_FALSE(w.store->find_throttle(throttles::account_passwords(alice).key)->has_value());
        EXPECT_TRUE(w.audited("user.reset_password"));
      },
  });
}

TEST(UseCaseFaults, BlockingAUserIsAllOrNothing) {
  std::string alice;
  std::string token;
  fail_every_write_in_turn({
      [&](World& w) {
        alice = w.add_user("alice@example.com", MfaState::disabled);
        token = std::string(w.sessions->issue(alice, false, std::nullopt)->token.view());
      },
      [&](World& w) { return w.users->block_user("alice@example.com", Actor::cli()); },
      [&](World& w) {
        EXPECT_EQ(w.store->find_user_by_id(alice)->status, UserStatus::active);
        EXPECT_TRUE(w.sessions->find(token).ok());
        EXPECT_FALSE(w.audited("user.block"));
      },
      [&](World& w) {
        EXPECT_EQ(w.store->find_user_by_id(alice)->status, UserStatus::blocked);
        EXPECT_FALSE(w.sessions->find(token).ok());
        EXPECT_TRUE(w.audited("user.block"));
      },
  });
}

TEST(UseCaseFaults, DeletingTheDefaultMethodIsAllOrNothing) {
  std::string alice;
  std::string token;
  std::string first;
  std::string second;
  fail_every_write_in_turn({
      [&](World& w) {
        alice = w.add_user("alice@example.com", MfaState::enforced);
        first = w.add_app(alice, true);
        second = w.add_app(alice, false);
        auto issued = w.sessions->issue(alice, false, w.clock.now());
        token = std::string(issued->token.view());
      },
      [&](World& w) { return w.security_info->delete_method(*w.sessions->find(token), first); },
      [&](World& w) {
        const auto methods = *w.store->list_methods(alice);
        ASSERT_EQ(methods.size(), 2u);
        EXPECT_TRUE(w.store->find_method(first)->is_default);
        EXPECT_FALSE(w.store->find_method(second)->is_default);
        EXPECT_FALSE(w.audited("method.delete"));
      },
      [&](World& w) {
        const auto methods = *w.store->list_methods(alice);
        ASSERT_EQ(methods.size(), 1u);
        EXPECT_EQ(methods[0].id, second);
        EXPECT_TRUE(methods[0].is_default) << "the other method became the default";
        EXPECT_TRUE(w.audited("method.delete"));
      },
  });
}

TEST(UseCaseFaults, RegisteringAnAppAtSignInIsAllOrNothing) {
  std::string alice;
  SignInPage page;
  SecretBytes secret;
  fail_every_write_in_turn({
      [&](World& w) {
        alice = w.add_user("alice@example.com", MfaState::enabled);
        page = *w.sign_in->start();
        page = *w.sign_in->submit_username(page.flow_id, "username", "alice@example.com", kClient);
        page = *w.sign_in->submit_password(page.flow_id, "password",
                                           SecretBytes::from_string(kPassword), kClient);
        ASSERT_TRUE(std::holds_alternative<step::MoreInformationRequired>(page.flow.step));
        page =
            *w.sign_in->submit_more_information(page.flow_id, "more_information", false, kClient);
        page = *w.sign_in->submit_method_choice(page.flow_id, "choose_method", "authenticator_app");
        secret = std::get<step::Registering>(page.flow.step).state;
        page = *w.sign_in->submit_method_answer(page.flow_id, "set_up_app", {}, kClient);
      },
      [&](World& w) -> Status {
        const std::string code = totp(secret.span(), w.clock.now(), TotpParameters{});
        auto answered = w.sign_in->submit_code(page.flow_id, "verify_app", code, kClient);
        if (!answered.ok()) return answered.status();
        page = *answered;
        // A sign-in that could not commit starts again rather than failing the request.
        if (!std::holds_alternative<step::StaySignedIn>(page.flow.step)) {
          return unavailable("the sign-in started again");
        }
        return Status();
      },
      [&](World& w) {
        EXPECT_TRUE(w.store->list_methods(alice)->empty()) << "no method half registered";
        EXPECT_EQ(w.store->find_user_by_id(alice)->mfa_state, MfaState::enabled);
        EXPECT_FALSE(w.audited("method.add"));
      },
      [&](World& w) {
        ASSERT_EQ(w.store->list_methods(alice)->size(), 1u);
        EXPECT_EQ(w.store->find_user_by_id(alice)->mfa_state, MfaState::enforced);
        EXPECT_TRUE(w.audited("method.add"));
      },
  });
}

}  // namespace
}  // namespace tessera
