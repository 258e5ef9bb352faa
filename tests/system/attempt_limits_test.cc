// Attempt limits that hold under parallel requests, across nodes and for names that are no user
// (issue 7, findings 6, 7, 9 and 17): codes per challenge and per user, passwords per account,
// unknown names locked like accounts, and sign-in starts per client network.
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <regex>

#include <gtest/gtest.h>

#include "support/postgres_server.h"
#include "system/attack_support.h"

namespace tessera::testing {
namespace {

using namespace attack;
using namespace std::chrono_literals;

constexpr const char* kLockedPrefix = "Your account is temporarily locked";
constexpr int kMaxCodesPerChallenge = 5;
constexpr int kMaxCodesPerUser = 10;

// Six digits that are none of the codes an app shows around `now` (±1 step).
std::string wrong_code(const std::string& secret, Timestamp now) {
  for (int candidate = 0;; ++candidate) {
    char digits[8];
    std::snprintf(digits, sizeof digits, "%06d", candidate * 7919 % 1000000);
    bool matches = false;
    for (auto offset : {-30s, 0s, 30s}) {
      matches = matches || totp_code(secret, now + offset) == digits;
    }
    if (!matches) return digits;
  }
}

// --- Finding 7: parallel wrong codes ------------------------------------------------------------

TEST(ParallelWrongCodes, OneChallengeChecksAtMostFiveCodes) {
  TesseraProcess tessera;
  const std::string upn = "coder@example.com";
  tessera.add_user(upn, kPassword, "enabled");
  ASSERT_TRUE(tessera.start());
  const std::string secret = register_app(tessera, upn);

  Browser browser(tessera.port());
  const WebPage challenge = enter_password(browser, upn, kPassword);
  ASSERT_EQ(challenge.heading(), kEnterCode);
  constexpr int kGuesses = 16;
  std::vector<Browser> browsers(kGuesses, browser);
  std::vector<WebPage> answers(kGuesses);
  const std::string code = wrong_code(secret, tessera.now());
  in_parallel(kGuesses, [&](int i) {
    answers[static_cast<std::size_t>(i)] =
        browsers[static_cast<std::size_t>(i)].submit(challenge, {{"code", code}});
  });
  for (const WebPage& answer : answers) {
    EXPECT_EQ(answer.status, 200) << answer.body();
    EXPECT_FALSE(sets_session(answer));
    EXPECT_TRUE(answer.heading() == kEnterCode || answer.heading() == kSignIn) << answer.body();
  }
  const auto rows = sign_in_log(tessera);
  const int checked = count_rows(rows, upn, "wrong_code");
  EXPECT_GE(checked, 1);
  EXPECT_LE(checked, kMaxCodesPerChallenge);
}

TEST(ParallelWrongCodes, ChallengesOfOneUserCheckAtMostTenCodesThenLock) {
  TesseraProcess tessera;
  const std::string upn = "coder@example.com";
  tessera.add_user(upn, kPassword, "enabled");
  ASSERT_TRUE(tessera.start());
  const std::string secret = register_app(tessera, upn);

  // Four challenges could take 20 codes between them; the user's limit is 10.
  constexpr int kChallenges = 4;
  std::vector<Browser> signed_in;
  std::vector<WebPage> challenges;
  for (int i = 0; i < kChallenges; ++i) {
    signed_in.emplace_back(tessera.port());
    challenges.push_back(enter_password(signed_in.back(), upn, kPassword));
    ASSERT_EQ(challenges.back().heading(), kEnterCode);
  }
  constexpr int kGuesses = 20;
  std::vector<Browser> browsers;
  for (int i = 0; i < kGuesses; ++i)
    browsers.push_back(signed_in[static_cast<std::size_t>(i % kChallenges)]);
  const std::string code = wrong_code(secret, tessera.now());
  std::vector<WebPage> answers(kGuesses);
  in_parallel(kGuesses, [&](int i) {
    answers[static_cast<std::size_t>(i)] = browsers[static_cast<std::size_t>(i)].submit(
        challenges[static_cast<std::size_t>(i % kChallenges)], {{"code", code}});
  });
  for (const WebPage& answer : answers) {
    EXPECT_EQ(answer.status, 200) << answer.body();
    EXPECT_FALSE(sets_session(answer));
  }
  const int checked = count_rows(sign_in_log(tessera), upn, "wrong_code");
  EXPECT_GE(checked, 1);
  EXPECT_LE(checked, kMaxCodesPerUser);

  // Every challenge takes its five, so the user's ten are all used: codes are locked now, and a
  // right code on a new challenge is refused without being checked.
  EXPECT_EQ(count_rows(sign_in_log(tessera), upn, "code_lockout") + checked, kGuesses);
  Browser again(tessera.port());
  const WebPage page = enter_password(again, upn, kPassword);
  ASSERT_EQ(page.heading(), kEnterCode);
  const WebPage refused = again.submit(page, {{"code", totp_code(secret, tessera.now())}});
  EXPECT_TRUE(refused.alert().starts_with("Too many wrong codes.")) << refused.body();
  EXPECT_FALSE(sets_session(refused));
}

// --- Finding 6: unknown usernames ---------------------------------------------------------------

// A page with what differs by name only (the name shown, the CSRF token) blanked out.
std::string normalised(const WebPage& page, const std::string& upn) {
  std::string body = page.body();
  for (std::size_t at = body.find(upn); at != std::string::npos; at = body.find(upn, at))
    body.replace(at, upn.size(), "UPN");
  const std::string csrf = page.input("csrf");
  if (!csrf.empty()) {
    for (std::size_t at = body.find(csrf); at != std::string::npos; at = body.find(csrf, at))
      body.replace(at, csrf.size(), "CSRF");
  }
  return std::to_string(page.status) + "\n" + body;
}

TEST(UnknownUsername, IsRefusedAndLockedExactlyLikeAnAccount) {
  TesseraProcess tessera;
  const std::string known = "known@example.com";
  const std::string unknown = "nobody@example.com";
  tessera.add_user(known, kPassword);
  ASSERT_TRUE(tessera.start());

  Browser known_browser(tessera.port());
  Browser unknown_browser(tessera.port());
  WebPage known_page = enter_username(known_browser, known);
  WebPage unknown_page = enter_username(unknown_browser, unknown);
  EXPECT_EQ(normalised(known_page, known), normalised(unknown_page, unknown));
  const int threshold = 10;  // the policy's default lockout_threshold
  for (int attempt = 1; attempt <= threshold + 1; ++attempt) {
    SCOPED_TRACE("attempt " + std::to_string(attempt));
    known_page = known_browser.submit(known_page, {{"password", "Wrong-Guess-0001"}});
    unknown_page = unknown_browser.submit(unknown_page, {{"password", "Wrong-Guess-0001"}});
    EXPECT_EQ(known_page.heading(), kEnterPassword);
    if (attempt < threshold) {
      EXPECT_EQ(known_page.alert(), kIncorrectMessage);
    } else {
      EXPECT_TRUE(known_page.alert().starts_with(kLockedPrefix)) << known_page.alert();
    }
    EXPECT_EQ(unknown_page.alert(), known_page.alert());
    EXPECT_EQ(normalised(unknown_page, unknown), normalised(known_page, known));
    EXPECT_EQ(unknown_browser.cookies().size(), known_browser.cookies().size());
  }
  // Only the admin's log tells them apart; every attempt on either is in it.
  int known_rows = 0;
  int unknown_rows = 0;
  for (const SignInLogRow& row : sign_in_log(tessera)) {
    known_rows += row.upn == known ? 1 : 0;
    unknown_rows += row.upn == unknown ? 1 : 0;
  }
  EXPECT_EQ(known_rows, threshold + 1);
  EXPECT_EQ(unknown_rows, threshold + 1);
}

// --- Finding 9: flow flooding -------------------------------------------------------------------

TEST(FlowFlooding, TheThousandAndFirstSignInStartFromOneNetworkMustWait) {
  TesseraProcess tessera;
  const std::string upn = "worker@example.com";
  tessera.add_user(upn, kPassword);
  ASSERT_TRUE(tessera.start());

  // One "Sign in" page gives a flow id and its CSRF token; the flooder reuses them and keeps no
  // cookie the server sets.
  Browser flooder(tessera.port());
  const WebPage start = flooder.get("/signin");
  const std::string id = flooder.cookie("tessera_flow");
  const FormFields form = {{"csrf", start.input("csrf")}, {"step", "username"}};
  auto post_username = [&](const std::string& name) {
    Browser fresh(tessera.port());
    fresh.cookies()["tessera_flow"] = id;
    FormFields fields = form;
    fields.emplace_back("username", name);
    return fresh.post("/signin/username", fields);
  };
  constexpr int kLimit = 1000;
  constexpr int kThreads = 4;
  std::atomic<int> accepted{0};
  in_parallel(kThreads, [&](int t) {
    for (int i = t; i < kLimit; i += kThreads) {
      const WebPage page = post_username("flood" + std::to_string(i) + "@example.com");
      if (page.status == 200 && page.heading() == kEnterPassword) ++accepted;
    }
  });
  EXPECT_EQ(accepted.load(), kLimit);

  const WebPage refused = post_username("flood-last@example.com");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(refused.response.header("retry-after"), "600");
  EXPECT_EQ(refused.heading(), kSignIn);
  EXPECT_NE(refused.alert().find("Try again later"), std::string::npos) << refused.alert();

  // Everyone behind that network waits too (all test traffic comes from 127.0.0.1)…
  Browser person(tessera.port());
  const WebPage waiting = enter_username(person, upn);
  EXPECT_EQ(waiting.status, 429);
  EXPECT_EQ(waiting.heading(), kSignIn);

  // …until the window is over.
  tessera.advance(10min + 1s);
  Browser later(tessera.port());
  EXPECT_TRUE(answer_stay(later, enter_password(later, upn, kPassword)));
}

// --- Finding 17: a password burst across two nodes ----------------------------------------------

int policy_value(const TesseraProcess& tessera, const std::string& key) {
  const std::string out = tessera.must({"policy", "show"}).out;
  std::smatch match;
  if (!std::regex_search(out, match, std::regex(key + " +([0-9]+)"))) return -1;
  return std::stoi(match[1]);
}

// Two nodes of one tenant on one new PostgreSQL database; the second has the first's master key
// (its `init` finds the tenant already there and changes nothing).
struct TwoNodes {
  static TesseraOptions options(const std::string& url,
                                std::optional<std::filesystem::path> master_key) {
    TesseraOptions options;
    options.postgres_url = url;
    options.master_key_file = std::move(master_key);
    return options;
  }
  explicit TwoNodes(const std::string& url)
      : first(options(url, std::nullopt)), second(options(url, first.master_key_file())) {}

  TesseraProcess first;
  TesseraProcess second;
};

// Each round bursts 40 wrong passwords at one account, half through each node, all at once. Only
// attempts counted below the threshold may reach Argon2id: the one reaching it locks the account
// first, and every later one is refused unchecked ("account_locked" in the log). A race between
// counting and locking shows as more than threshold - 1 "wrong_password" rows; several rounds,
// since a round may miss it.
TEST(PasswordBurst, TwoNodesOnPostgresCheckNoMoreThanTheLockoutThreshold) {
  auto url = shared_postgres_server().create_database();
  ASSERT_TRUE(url.ok()) << url.status().to_string();
  TwoNodes nodes(*url);
  ASSERT_TRUE(nodes.first.start());
  ASSERT_TRUE(nodes.second.start());
  const int threshold = policy_value(nodes.first, "lockout_threshold");
  ASSERT_EQ(threshold, 10);

  constexpr int kRounds = 4;
  constexpr int kBurst = 40;
  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const std::string upn = "target" + std::to_string(round) + "@example.com";
    nodes.first.add_user(upn, kPassword);
    std::vector<Browser> browsers;
    std::vector<WebPage> pages;
    for (int i = 0; i < kBurst; ++i) {
      browsers.emplace_back(i % 2 == 0 ? nodes.first.port() : nodes.second.port());
      pages.push_back(enter_username(browsers.back(), upn));
      ASSERT_EQ(pages.back().heading(), kEnterPassword);
    }
    std::vector<WebPage> answers(kBurst);
    in_parallel(kBurst, [&](int i) {
      const auto at = static_cast<std::size_t>(i);
      answers[at] = browsers[at].submit(pages[at], {{"password", "Wrong-Guess-0001"}});
    });
    for (const WebPage& answer : answers) {
      EXPECT_EQ(answer.heading(), kEnterPassword) << answer.body();
      EXPECT_TRUE(answer.alert() == kIncorrectMessage || answer.alert().starts_with(kLockedPrefix))
          << answer.alert();
    }
    const auto rows = sign_in_log(nodes.first);
    const int checked = count_rows(rows, upn, "wrong_password");
    const int locked = count_rows(rows, upn, "account_locked");
    EXPECT_LE(checked, threshold - 1) << "wrong passwords checked past the lockout threshold";
    EXPECT_EQ(checked + locked, kBurst);

    // The lock holds on both nodes, for the right password too.
    for (TesseraProcess* node : {&nodes.first, &nodes.second}) {
      Browser browser(node->port());
      const WebPage page = enter_password(browser, upn, kPassword);
      EXPECT_EQ(page.heading(), kEnterPassword);
      EXPECT_TRUE(page.alert().starts_with(kLockedPrefix)) << page.alert();
    }
  }
}

// Any node serves any step: a journey that alternates nodes at every request registers an app and
// ends signed in on both.
TEST(PasswordBurst, AJourneyAlternatingNodesAtEveryStepCompletes) {
  auto url = shared_postgres_server().create_database();
  ASSERT_TRUE(url.ok()) << url.status().to_string();
  TwoNodes nodes(*url);
  TesseraProcess& first = nodes.first;
  TesseraProcess& second = nodes.second;
  const std::string upn = "roamer@example.com";
  first.add_user(upn, kPassword, "enabled");
  ASSERT_TRUE(first.start());
  ASSERT_TRUE(second.start());

  const std::uint16_t ports[] = {first.port(), second.port()};
  int hop = 0;
  Browser browser(ports[0]);
  auto next_node = [&] { browser.set_port(ports[++hop % 2]); };
  WebPage page = browser.get("/signin");
  std::string secret;
  for (int step = 0; step < 8 && page.heading() != kStaySignedIn; ++step) {
    if (page.heading() == kSetUpApp) secret = page.totp_secret();
    next_node();
    FormFields answer = right_answer(page, kPassword, secret, first.now());
    if (page.heading() == kSignIn) answer = {{"username", upn}};
    page = browser.submit(page, answer);
  }
  ASSERT_EQ(page.heading(), kStaySignedIn) << page.body();
  next_node();
  const WebPage done = browser.submit(page, {{"answer", "yes"}});
  ASSERT_TRUE(sets_session(done));
  EXPECT_TRUE(session_works(first.port(), session_cookie(browser)));
  EXPECT_TRUE(session_works(second.port(), session_cookie(browser)));
  EXPECT_EQ(user_field(second, upn, "mfa state"), "enforced");
}

}  // namespace
}  // namespace tessera::testing
