// The findings of the attacker review (issue 7), each as the use case sees it: flows of another
// kind, an admin change landing mid-sign-in, planted flow ids, lost updates while Argon2id runs,
// user enumeration through the lockout, and parallel requests racing one flow or counter.
#include <thread>

#include "unit/service/sign_in_fixture.h"

namespace tessera {
namespace {

class SignInHardeningTest : public SignInServiceTest {
 protected:
  std::string user_id(const std::string& upn) { return store_->find_user_by_upn(upn)->id; }

  bool flow_exists(const std::string& flow_id) {
    return store_->find_flow(hash_token(flow_id), clock_.now()).ok();
  }

  // A registered, Enforced user: the secret of their authenticator app. The clock moves past the
  // registration's code step.
  SecretBytes registered(const std::string& upn) {
    add_user(upn, MfaState::enabled);
    SignInPage page = through_password(upn);
    SecretBytes secret = register_app(page);
    EXPECT_TRUE(std::holds_alternative<step::StaySignedIn>(page.flow.step));
    EXPECT_TRUE(sign_in_->submit_stay(page.flow_id, "stay_signed_in", false, false, kClient).ok());
    clock_.advance(std::chrono::seconds(30));
    return secret;
  }

  // Runs `submit` on `threads` threads at once; the pages they got.
  std::vector<SignInPage> race(int threads, const std::function<Result<SignInPage>()>& submit) {
    std::vector<std::optional<Result<SignInPage>>> results(static_cast<std::size_t>(threads));
    std::vector<std::thread> running;
    std::atomic<int> ready = 0;
    for (int t = 0; t < threads; ++t) {
      running.emplace_back([&, t] {
        ++ready;
        while (ready.load() < threads)
          std::this_thread::yield();
        results[static_cast<std::size_t>(t)].emplace(submit());
      });
    }
    for (auto& thread : running)
      thread.join();
    std::vector<SignInPage> pages;
    for (auto& result : results) {
      EXPECT_TRUE(result->ok()) << result->status().message();
      if (result->ok()) pages.push_back(std::move(**result));
    }
    return pages;
  }

  int log_rows_with_reason(std::string_view reason) {
    int rows = 0;
    const std::vector<SignInLogEntry> entries = *store_->list_sign_ins(1000);
    for (const SignInLogEntry& entry : entries)
      rows += entry.failure_reason == reason ? 1 : 0;
    return rows;
  }
};

template <typename Step>
bool at(const SignInPage& page) {
  return std::holds_alternative<Step>(page.flow.step);
}

// --- Finding 2: an "add a method" flow signs in without a password --------------------------

TEST_F(SignInHardeningTest, AnAddMethodFlowIsNeverDrivenThroughTheSignInPages) {
  const SecretBytes secret = registered("alice@example.com");
  // alice, signed in with MFA just now, starts adding an app on Security info.
  SessionRecord session;
  (void)sessions_->prepare(user_id("alice@example.com"), false, clock_.now(), session);
  ASSERT_TRUE(store_->create_session(session).ok());
  auto added = security_info_->begin_add(session, "authenticator_app");
  ASSERT_TRUE(added.ok()) << added.status().message();
  const std::string add_id = added->flow_id;
  const SecretBytes new_secret = std::get<step::Registering>(added->flow.step).state;
  ASSERT_TRUE(security_info_->add_step_on(session, add_id, {}).ok());
  // Later (signed out, blocked, whatever) someone puts its id in the sign-in cookie.
  EXPECT_TRUE(at<step::EnterUsername>(*sign_in_->current(add_id)));
  SignInPage page = *sign_in_->submit_code(add_id, "verify_app", code(new_secret), kClient);
  EXPECT_TRUE(at<step::EnterUsername>(page));
  EXPECT_FALSE(page.session);
  page = *sign_in_->submit_method_answer(add_id, "set_up_app", {}, kClient);
  EXPECT_TRUE(at<step::EnterUsername>(page));
  page = *sign_in_->submit_stay(add_id, "stay_signed_in", true, false, kClient);
  EXPECT_FALSE(page.session);
  EXPECT_EQ(store_->list_methods(user_id("alice@example.com"))->size(), 1u) << "nothing added";
  // And the add flow itself still works on Security info, for its owner.
  EXPECT_TRUE(*security_info_->confirm_add(session, add_id, code(new_secret)));
  (void)secret;
}

TEST_F(SignInHardeningTest, ASignInFlowIsNeverTakenForAnAddMethodFlow) {
  add_user("alice@example.com", MfaState::enabled);
  SignInPage page = through_password("alice@example.com");
  page = *sign_in_->submit_more_information(page.flow_id, "more_information", false, kClient);
  page = *sign_in_->submit_method_choice(page.flow_id, "choose_method", "authenticator_app");
  ASSERT_TRUE(at<step::Registering>(page));
  SessionRecord session;
  (void)sessions_->prepare(user_id("alice@example.com"), false, std::nullopt, session);
  EXPECT_EQ(security_info_->add_flow(session, page.flow_id).status().code(), ErrorCode::not_found);
}

// --- Finding 3 and 17: an admin change landing mid-sign-in ----------------------------------

// Takes a fresh flow of `upn` (Enabled, temporary password when `temporary`) to `target`.
struct StepCase {
  const char* name;
  bool temporary;
  bool registered;
  std::function<bool(const SignInPage&)> reached;
};

TEST_F(SignInHardeningTest, BlockingAUserSendsEveryStepBackToSignInAndEndsTheFlow) {
  // Each case: reach a step, block the user, answer the step correctly: back at "Sign in", no
  // session, and the flow is gone.
  const SecretBytes bob_secret = registered("bob@example.com");
  add_user("carol@example.com", MfaState::enabled, /*temporary=*/true);
  add_user("dave@example.com", MfaState::disabled);
  struct Case {
    std::string name;
    std::string upn;
    std::function<SignInPage(SignInPage)> reach;  // from the page after the password
    std::function<Result<SignInPage>(const SignInPage&)> answer;
  };
  const auto s = [](const char* text) { return SecretBytes::from_string(text); };
  std::vector<Case> cases = {
      {"update password", "carol@example.com", [](SignInPage page) { return page; },
       [&](const SignInPage& page) {
         return sign_in_->submit_new_password(page.flow_id, "update_password", s(kPassword),
                                              s("Another-Good-One-7"), s("Another-Good-One-7"),
                                              kClient);
       }},
      {"enter code", "bob@example.com", [](SignInPage page) { return page; },
       [&](const SignInPage& page) {
         return sign_in_->submit_code(page.flow_id, "enter_code", code(bob_secret), kClient);
       }},
      {"stay signed in", "dave@example.com", [](SignInPage page) { return page; },
       [&](const SignInPage& page) {
         return sign_in_->submit_stay(page.flow_id, "stay_signed_in", true, false, kClient);
       }},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(c.name);
    SignInPage page = c.reach(through_password(c.upn));
    ASSERT_FALSE(at<step::EnterUsername>(page));
    ASSERT_TRUE(users_->block_user(c.upn, Actor::cli()).ok());
    EXPECT_FALSE(flow_exists(page.flow_id)) << "blocking ends the user's flows";
    ASSERT_TRUE(users_->unblock_user(c.upn, Actor::cli()).ok());
    SignInPage answered = *c.answer(page);
    EXPECT_TRUE(at<step::EnterUsername>(answered));
    EXPECT_FALSE(answered.session);
  }
  // The registration steps of an Enabled user.
  add_user("erin@example.com", MfaState::enabled);
  for (int stop = 0; stop < 4; ++stop) {
    SCOPED_TRACE("registration step " + std::to_string(stop));
    SignInPage page = through_password("erin@example.com");
    ASSERT_TRUE(at<step::MoreInformationRequired>(page));
    std::optional<SecretBytes> secret;
    if (stop >= 1) {
      page = *sign_in_->submit_more_information(page.flow_id, "more_information", false, kClient);
    }
    if (stop >= 2) {
      page = *sign_in_->submit_method_choice(page.flow_id, "choose_method", "authenticator_app");
      secret = std::get<step::Registering>(page.flow.step).state;
    }
    if (stop >= 3) page = *sign_in_->submit_method_answer(page.flow_id, "set_up_app", {}, kClient);
    ASSERT_TRUE(users_->block_user("erin@example.com", Actor::cli()).ok());
    SignInPage answered;
    switch (stop) {
      case 0:
        answered =
            *sign_in_->submit_more_information(page.flow_id, "more_information", false, kClient);
        break;
      case 1:
        answered =
            *sign_in_->submit_method_choice(page.flow_id, "choose_method", "authenticator_app");
        break;
      case 2:
        answered = *sign_in_->submit_method_answer(page.flow_id, "set_up_app", {}, kClient);
        break;
      default:
        answered = *sign_in_->submit_code(page.flow_id, "verify_app", code(*secret), kClient);
    }
    EXPECT_TRUE(at<step::EnterUsername>(answered));
    ASSERT_TRUE(users_->unblock_user("erin@example.com", Actor::cli()).ok());
  }
  EXPECT_TRUE(store_->list_methods(user_id("erin@example.com"))->empty());
}

TEST_F(SignInHardeningTest, APasswordResetOrAnAdminsMfaChangeMidSignInStartsItAgain) {
  add_user("alice@example.com", MfaState::disabled);
  SignInPage page = through_password("alice@example.com");
  ASSERT_TRUE(at<step::StaySignedIn>(page));
  ASSERT_TRUE(users_->reset_password("alice@example.com", Actor::cli()).ok());
  page = *sign_in_->submit_stay(page.flow_id, "stay_signed_in", true, false, kClient);
  EXPECT_TRUE(at<step::EnterUsername>(page));
  EXPECT_FALSE(page.session);
}

TEST_F(SignInHardeningTest, AFlowWhoseUserMovedOnEndsAtItsNextStepEvenIfItSurvived) {
  // Admin changes also delete the user's flows; this one survives (a write that raced the
  // deletion), and the version it remembers is what still ends it.
  add_user("alice@example.com", MfaState::enabled);
  SignInPage page = through_password("alice@example.com");
  ASSERT_TRUE(at<step::MoreInformationRequired>(page));
  ASSERT_TRUE(store_->bump_security_version(user_id("alice@example.com")).ok());
  ASSERT_TRUE(flow_exists(page.flow_id));
  page = *sign_in_->submit_more_information(page.flow_id, "more_information", false, kClient);
  EXPECT_TRUE(at<step::EnterUsername>(page));
}

TEST_F(SignInHardeningTest, FinishingARegistrationNeverOverridesAnAdminsDisabled) {
  add_user("alice@example.com", MfaState::enabled);
  SignInPage page = through_password("alice@example.com");
  page = *sign_in_->submit_more_information(page.flow_id, "more_information", false, kClient);
  page = *sign_in_->submit_method_choice(page.flow_id, "choose_method", "authenticator_app");
  const SecretBytes secret = std::get<step::Registering>(page.flow.step).state;
  page = *sign_in_->submit_method_answer(page.flow_id, "set_up_app", {}, kClient);
  ASSERT_TRUE(users_->set_mfa_state("alice@example.com", MfaState::disabled, Actor::cli()).ok());
  page = *sign_in_->submit_code(page.flow_id, "verify_app", code(secret), kClient);
  EXPECT_TRUE(at<step::EnterUsername>(page));
  const User alice = *store_->find_user_by_upn("alice@example.com");
  EXPECT_EQ(alice.mfa_state, MfaState::disabled);
  EXPECT_TRUE(store_->list_methods(alice.id)->empty());
}

TEST_F(SignInHardeningTest, DeletingAUserMidSignInStartsItAgainInsteadOfFailing) {
  add_user("alice@example.com", MfaState::enabled);
  SignInPage page = through_password("alice@example.com");
  ASSERT_TRUE(at<step::MoreInformationRequired>(page));
  ASSERT_TRUE(users_->delete_user("alice@example.com", Actor::cli()).ok());
  auto answered =
      sign_in_->submit_more_information(page.flow_id, "more_information", false, kClient);
  ASSERT_TRUE(answered.ok()) << answered.status().message();
  EXPECT_TRUE(at<step::EnterUsername>(*answered));
  EXPECT_TRUE(at<step::EnterUsername>(*sign_in_->current(page.flow_id)));
}

// --- Finding 4: flow fixation -----------------------------------------------------------------

TEST_F(SignInHardeningTest, TheFlowGetsANewIdAfterThePasswordAndAfterMfa) {
  const SecretBytes secret = registered("alice@example.com");
  SignInPage page = *sign_in_->start();
  page = *sign_in_->submit_username(page.flow_id, "username", "alice@example.com", kClient);
  const std::string at_password = page.flow_id;  // what an attacker could have planted
  page = *sign_in_->submit_password(page.flow_id, "password", SecretBytes::from_string(kPassword),
                                    kClient);
  ASSERT_TRUE(at<step::Challenging>(page));
  EXPECT_NE(page.flow_id, at_password);
  EXPECT_TRUE(at<step::EnterUsername>(*sign_in_->current(at_password)));
  const std::string at_code = page.flow_id;
  // A wrong code keeps the step, and so the id.
  page = *sign_in_->submit_code(page.flow_id, "enter_code",
                                "000000" == code(secret) ? "111111" : "000000", kClient);
  EXPECT_EQ(page.flow_id, at_code);
  page = *sign_in_->submit_code(page.flow_id, "enter_code", code(secret), kClient);
  ASSERT_TRUE(at<step::StaySignedIn>(page));
  EXPECT_NE(page.flow_id, at_code);
  // Whoever held an older id cannot answer "Stay signed in?".
  for (const std::string& old : {at_password, at_code}) {
    SignInPage stolen = *sign_in_->submit_stay(old, "stay_signed_in", true, false, kClient);
    EXPECT_FALSE(stolen.session);
  }
  page = *sign_in_->submit_stay(page.flow_id, "stay_signed_in", true, false, kClient);
  EXPECT_TRUE(page.session);
}

// --- Finding 5: lost updates while Argon2id runs ---------------------------------------------

TEST_F(SignInHardeningTest, APasswordChangeNeverUndoesABlockMadeWhileItHashes) {
  add_user("alice@example.com", MfaState::disabled, /*temporary=*/true);
  SignInPage page = through_password("alice@example.com");
  ASSERT_TRUE(at<step::UpdatePassword>(page));
  const std::string old_hash = store_->find_user_by_upn("alice@example.com")->password_hash;
  hashing_.on_hash = [&] {
    ASSERT_TRUE(users_->block_user("alice@example.com", Actor::cli()).ok());
  };
  const auto s = [](const char* text) { return SecretBytes::from_string(text); };
  page = *sign_in_->submit_new_password(page.flow_id, "update_password", s(kPassword),
                                        s("Another-Good-One-7"), s("Another-Good-One-7"), kClient);
  EXPECT_TRUE(at<step::EnterUsername>(page));
  const User alice = *store_->find_user_by_upn("alice@example.com");
  EXPECT_EQ(alice.status, UserStatus::blocked);
  EXPECT_EQ(alice.password_hash, old_hash) << "the change lost to the block";
}

TEST_F(SignInHardeningTest, APasswordChangeKeepsALockoutSetWhileItHashes) {
  add_user("alice@example.com", MfaState::disabled, /*temporary=*/true);
  SignInPage page = through_password("alice@example.com");
  const std::string id = user_id("alice@example.com");
  const Timestamp until = clock_.now() + std::chrono::minutes(30);
  hashing_.on_hash = [&] {
    ASSERT_TRUE(store_
                    ->count_attempt(throttles::account_passwords(id), clock_.now(),
                                    throttles::password_rule(OrgPolicy{}))
                    .ok());
    ASSERT_TRUE(store_->lock_throttle(throttles::account_passwords(id), until).ok());
  };
  const auto s = [](const char* text) { return SecretBytes::from_string(text); };
  page = *sign_in_->submit_new_password(page.flow_id, "update_password", s(kPassword),
                                        s("Another-Good-One-7"), s("Another-Good-One-7"), kClient);
  const User alice = *store_->find_user_by_id(id);
  const auto lock = **store_->find_throttle(throttles::account_passwords(id).key);
  EXPECT_EQ(lock.locked_until, until);
  EXPECT_EQ(lock.count, 1);
  EXPECT_FALSE(alice.password_temporary);
}

TEST_F(SignInHardeningTest, ARehashNeverUndoesABlockMadeWhileItHashes) {
  add_user("alice@example.com", MfaState::disabled);
  hashing_.force_rehash = true;
  hashing_.on_hash = [&] {
    ASSERT_TRUE(users_->block_user("alice@example.com", Actor::cli()).ok());
  };
  SignInPage page = through_password("alice@example.com");
  EXPECT_EQ(store_->find_user_by_upn("alice@example.com")->status, UserStatus::blocked);
  page = *sign_in_->submit_stay(page.flow_id, "stay_signed_in", true, false, kClient);
  EXPECT_FALSE(page.session) << "nothing is issued to a user blocked meanwhile";
}

TEST_F(SignInHardeningTest, ABlockLandingWhileThePasswordIsCheckedStopsTheSession) {
  // alice skips "Stay signed in?", so the password step itself issues her session; the admin's
  // block lands after the step read her as active, while Argon2id runs.
  add_user("alice@example.com", MfaState::disabled);
  ASSERT_TRUE(store_->set_stay_prompt_suppressed(user_id("alice@example.com"), true).ok());
  hashing_.on_verify = [&] {
    ASSERT_TRUE(users_->block_user("alice@example.com", Actor::cli()).ok());
  };
  const SignInPage page = through_password("alice@example.com");
  EXPECT_FALSE(page.session);
  EXPECT_TRUE(at<step::EnterUsername>(page));
  EXPECT_EQ(log_rows_with_reason(""), 0) << "no success was logged";
}

// --- Finding 6: user enumeration through the lockout ------------------------------------------

TEST_F(SignInHardeningTest, UnknownNamesLockAndAnswerExactlyLikeAccounts) {
  add_user("alice@example.com", MfaState::disabled);
  ASSERT_TRUE(policy_->set("lockout_threshold", "3", Actor::cli()).ok());
  for (int attempt = 1; attempt <= 5; ++attempt) {
    SCOPED_TRACE(attempt);
    const int work_before = hashing_.work();
    const SignInPage known = through_password("alice@example.com", "wrong password");
    const int known_work = hashing_.work() - work_before;
    const SignInPage unknown = through_password("nobody@example.com", "wrong password");
    const int unknown_work = hashing_.work() - work_before - known_work;
    EXPECT_EQ(known.message, unknown.message);
    EXPECT_EQ(known.locked_minutes, unknown.locked_minutes);
    EXPECT_EQ(known.flow.step.index(), unknown.flow.step.index());
    EXPECT_EQ(known_work, 1) << "one Argon2id run, locked or not";
    EXPECT_EQ(unknown_work, 1);
    if (attempt >= 3) {
      EXPECT_EQ(known.message, StepMessage::account_locked);
    }
  }
  // The typed name is not stored: only its keyed hash.
  EXPECT_FALSE(store_->find_throttle(throttles::unknown_name_passwords("nobody@example.com").key)
                   ->has_value());
}

// --- Finding 7: wrong-code limits under parallel requests -------------------------------------

TEST_F(SignInHardeningTest, ParallelWrongCodesOnOneChallengeCheckAtMostTheLimit) {
  const SecretBytes secret = registered("alice@example.com");
  SignInPage page = through_password("alice@example.com");
  ASSERT_TRUE(at<step::Challenging>(page));
  const std::string wrong = code(secret) == "000000" ? "111111" : "000000";
  const std::string flow_id = page.flow_id;
  const int checked_before = log_rows_with_reason("wrong_code");
  race(16, [&] { return sign_in_->submit_code(flow_id, "enter_code", wrong, kClient); });
  EXPECT_LE(log_rows_with_reason("wrong_code") - checked_before, kMaxWrongCodesPerChallenge);
  const std::string codes = throttles::user_codes(user_id("alice@example.com")).key;
  EXPECT_LE((*store_->find_throttle(codes))->count, kMaxWrongCodesPerChallenge);
}

// Parallel posts of the right code: those counted past the limit are refused, but they must not
// end the flow under the one that is finishing it (which then found its flow gone, and nobody
// signed in).
TEST_F(SignInHardeningTest, AnAttemptPastTheLimitLeavesTheFlowToTheOneFinishingIt) {
  const SecretBytes secret = registered("alice@example.com");
  const SignInPage page = through_password("alice@example.com");
  ASSERT_TRUE(at<step::Challenging>(page));
  const std::string id_hash = hash_token(page.flow_id);
  // As if parallel requests had counted every attempt the challenge allows.
  for (int i = 0; i < kMaxWrongCodesPerChallenge; ++i)
    ASSERT_TRUE(store_->count_flow_attempt(id_hash, kMaxWrongCodesPerChallenge)->has_value());
  const auto refused = sign_in_->submit_code(page.flow_id, "enter_code", code(secret), kClient);
  ASSERT_TRUE(refused.ok());
  EXPECT_TRUE(at<step::EnterUsername>(*refused));
  EXPECT_TRUE(store_->find_flow(id_hash, clock_.now()).ok())
      << "the over-limit attempt deleted the flow";
}

TEST_F(SignInHardeningTest, ParallelWrongCodesOverChallengesCheckAtMostTheUsersLimit) {
  const SecretBytes secret = registered("alice@example.com");
  const std::string wrong = code(secret) == "000000" ? "111111" : "000000";
  std::vector<std::string> flows;
  for (int i = 0; i < 4; ++i)
    flows.push_back(through_password("alice@example.com").flow_id);
  std::atomic<int> next = 0;
  race(16, [&] {
    const std::string& flow = flows[static_cast<std::size_t>(next++ % 4)];
    return sign_in_->submit_code(flow, "enter_code", wrong, kClient);
  });
  EXPECT_LE(log_rows_with_reason("wrong_code"), kMaxWrongCodesPerUser);
}

// --- Finding 8 and 17: one flow raced ----------------------------------------------------------

TEST_F(SignInHardeningTest, RacingStayAnswersGiveExactlyOneSession) {
  add_user("alice@example.com", MfaState::disabled);
  const SignInPage page = through_password("alice@example.com");
  const auto pages = race(8, [&] {
    return sign_in_->submit_stay(page.flow_id, "stay_signed_in", true, false, kClient);
  });
  int sessions = 0;
  for (const SignInPage& p : pages)
    sessions += p.session ? 1 : 0;
  EXPECT_EQ(sessions, 1);
}

TEST_F(SignInHardeningTest, RacingRegistrationCodesAddOneApp) {
  add_user("alice@example.com", MfaState::enabled);
  SignInPage page = through_password("alice@example.com");
  page = *sign_in_->submit_more_information(page.flow_id, "more_information", false, kClient);
  page = *sign_in_->submit_method_choice(page.flow_id, "choose_method", "authenticator_app");
  const SecretBytes secret = std::get<step::Registering>(page.flow.step).state;
  page = *sign_in_->submit_method_answer(page.flow_id, "set_up_app", {}, kClient);
  const std::string flow_id = page.flow_id;
  const std::string right = code(secret);
  const auto pages =
      race(8, [&] { return sign_in_->submit_code(flow_id, "verify_app", right, kClient); });
  int moved_on = 0;
  for (const SignInPage& p : pages)
    moved_on += at<step::StaySignedIn>(p) ? 1 : 0;
  EXPECT_EQ(moved_on, 1);
  EXPECT_EQ(store_->list_methods(user_id("alice@example.com"))->size(), 1u);
}

TEST_F(SignInHardeningTest, APasswordBurstChecksNoMorePasswordsThanTheThreshold) {
  add_user("alice@example.com", MfaState::disabled);
  ASSERT_TRUE(policy_->set("lockout_threshold", "5", Actor::cli()).ok());
  std::vector<std::string> flows;
  for (int i = 0; i < 20; ++i) {
    SignInPage page = *sign_in_->start();
    flows.push_back(
        sign_in_->submit_username(page.flow_id, "username", "alice@example.com", kClient)->flow_id);
  }
  std::atomic<int> next = 0;
  race(20, [&] {
    return sign_in_->submit_password(flows[static_cast<std::size_t>(next++)], "password",
                                     SecretBytes::from_string("a wrong guess"), kClient);
  });
  EXPECT_EQ(hashing_.verifies.load(), 5) << "only attempts within the threshold reach Argon2id";
  EXPECT_EQ(hashing_.dummy_verifies.load(), 15) << "the refused ones cost the same work";
}

// --- Finding 9: unauthenticated flow flooding -------------------------------------------------

TEST_F(SignInHardeningTest, TooManySignInStartsFromOneNetworkAreRefusedForAWhile) {
  SignInPage page = *sign_in_->start();
  for (int i = 0; i < kDefaultMaxFlowStartsPerNetwork; ++i) {
    page = *sign_in_->submit_username(page.flow_id, "username", "someone@example.com", kClient);
    ASSERT_TRUE(at<step::EnterPassword>(page)) << i;
  }
  page = *sign_in_->submit_username(page.flow_id, "username", "someone@example.com", kClient);
  EXPECT_TRUE(at<step::EnterUsername>(page));
  EXPECT_EQ(page.message, StepMessage::too_many_sign_ins);
  EXPECT_GT(page.retry_after_seconds, 0);
  // Another network is not affected; this one is let in again after the window.
  const SignInClient elsewhere{"198.51.100.4", ""};
  EXPECT_TRUE(at<step::EnterPassword>(*sign_in_->submit_username(
      sign_in_->start()->flow_id, "username", "someone@example.com", elsewhere)));
  clock_.advance(kFlowStartWindow + std::chrono::seconds(1));
  EXPECT_TRUE(at<step::EnterPassword>(*sign_in_->submit_username(
      sign_in_->start()->flow_id, "username", "someone@example.com", kClient)));
}

TEST_F(SignInHardeningTest, TheLimitOnSignInStartsIsTheOperatorsAndZeroMeansNone) {
  SignInService three(*store_, methods_, hashing_, *sessions_, clock_, rng_, name_key_,
                      SignInSettings{3});
  const SignInClient proxy{"192.0.2.10", ""};
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(at<step::EnterPassword>(
        *three.submit_username(three.start()->flow_id, "username", "someone@example.com", proxy)));
  }
  EXPECT_EQ(
      three.submit_username(three.start()->flow_id, "username", "x@example.com", proxy)->message,
      StepMessage::too_many_sign_ins);
  SignInService unlimited(*store_, methods_, hashing_, *sessions_, clock_, rng_, name_key_,
                          SignInSettings{0});
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(at<step::EnterPassword>(*unlimited.submit_username(
        unlimited.start()->flow_id, "username", "someone@example.com", proxy)));
  }
}

TEST_F(SignInHardeningTest, ACookieHoldsAtMostOneStoredFlow) {
  SignInPage first = *sign_in_->start();
  first = *sign_in_->submit_username(first.flow_id, "username", "someone@example.com", kClient);
  ASSERT_TRUE(flow_exists(first.flow_id));
  // The same browser starts again with the cookie it holds: the flow it named is replaced.
  const SignInPage second =
      *sign_in_->submit_username(first.flow_id, "username", "other@example.com", kClient);
  EXPECT_TRUE(flow_exists(second.flow_id));
  EXPECT_FALSE(flow_exists(first.flow_id));
}

}  // namespace
}  // namespace tessera
