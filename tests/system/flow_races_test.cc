// One flow raced at every step (issue 7, findings 8 and 17): parallel posts of the same form with
// the same cookies, as a double-click, a script or a replay makes them. Exactly one moves the flow
// on (its answer carries the flow's new id); the others end at "Sign in", so nothing is issued
// twice: one session, one authenticator app.
#include <gtest/gtest.h>

#include "system/attack_support.h"

namespace tessera::testing {
namespace {

using namespace attack;

constexpr int kRacers = 8;

// Where a rightly answered `step` leads, for the users reach() makes.
const char* next_heading(Step step) {
  switch (step) {
    case Step::enter_password:
    case Step::update_password:
    case Step::verify_app:
    case Step::enter_code:
      return kStaySignedIn;
    case Step::more_information:
      return kChooseMethod;
    case Step::choose_method:
      return kSetUpApp;
    case Step::set_up_app:
      return kEnterCode;
    case Step::stay_signed_in:
      return "";  // a redirect to Security info with the session cookie
  }
  return "";
}

// `n` copies of the browser at `at` post its page's form, answered rightly, all at once.
struct Race {
  std::vector<Browser> browsers;
  std::vector<WebPage> pages;
};
Race race(TesseraProcess& tessera, const AtStep& at, int n) {
  Race raced{std::vector<Browser>(static_cast<std::size_t>(n), at.browser),
             std::vector<WebPage>(static_cast<std::size_t>(n))};
  const FormFields answer = right_answer(at.page, at.password, at.secret, tessera.now());
  in_parallel(n, [&](int i) {
    raced.pages[static_cast<std::size_t>(i)] =
        raced.browsers[static_cast<std::size_t>(i)].submit(at.page, answer);
  });
  return raced;
}

TEST(RacingOneFlow, ExactlyOneOfParallelPostsMovesEachStepOn) {
  TesseraProcess tessera;
  ASSERT_TRUE(tessera.start());
  int n = 0;
  for (Step step : kAllSteps) {
    SCOPED_TRACE(heading_of(step) + std::string(" ") + url_of(step));
    const std::string upn = "racer" + std::to_string(n++) + "@example.com";
    AtStep at = reach(tessera, step, upn);
    ASSERT_EQ(at.page.heading(), heading_of(step)) << at.page.body();
    Race raced = race(tessera, at, kRacers);

    std::vector<std::size_t> winners;
    std::vector<std::string> sessions;
    for (std::size_t i = 0; i < raced.pages.size(); ++i) {
      const WebPage& page = raced.pages[i];
      if (sets_session(page)) sessions.push_back(session_cookie(raced.browsers[i]));
      const bool moved_on =
          step == Step::stay_signed_in ? sets_session(page) : page.heading() == next_heading(step);
      if (moved_on) {
        winners.push_back(i);
      } else {
        EXPECT_EQ(page.status, 200) << page.body();
        EXPECT_EQ(page.heading(), kSignIn) << "racer " << i << ": " << page.body();
      }
    }
    std::string outcomes;
    for (const WebPage& page : raced.pages)
      outcomes += std::to_string(page.status) + " " + page.heading() + " / " + page.alert() + "\n";
    ASSERT_EQ(winners.size(), 1u) << outcomes;
    Browser& winner = raced.browsers[winners[0]];
    if (step == Step::stay_signed_in) {
      ASSERT_EQ(sessions.size(), 1u);
      EXPECT_TRUE(session_works(tessera.port(), sessions[0]));
      continue;
    }
    EXPECT_TRUE(sessions.empty());
    // The winner's new cookie carries the flow on to a session.
    WebPage page = raced.pages[winners[0]];
    std::string secret = at.secret;
    for (int hop = 0; hop < 6 && page.heading() != kStaySignedIn; ++hop) {
      if (page.heading() == kSetUpApp) secret = page.totp_secret();
      page = winner.submit(page, right_answer(page, kNewPassword, secret, tessera.now()));
    }
    EXPECT_TRUE(answer_stay(winner, page));
    if (step == Step::verify_app) {
      EXPECT_EQ(user_field(tessera, upn, "methods"), "1");
      EXPECT_EQ(user_field(tessera, upn, "mfa state"), "enforced");
    }
  }
}

// Twelve parallel confirms of one "add a method" flow on Security info add one method.
TEST(RacingOneFlow, ParallelConfirmsOfAnAddedAppAddItOnce) {
  TesseraProcess tessera;
  const std::string upn = "adder@example.com";
  tessera.add_user(upn, kPassword);
  ASSERT_TRUE(tessera.start());
  Browser owner(tessera.port());
  ASSERT_TRUE(answer_stay(owner, enter_password(owner, upn, kPassword)));
  const WebPage info = owner.get("/security-info");
  WebPage page = owner.post("/security-info/add/method",
                            {{"csrf", info.input("csrf")}, {"method", "authenticator_app"}});
  ASSERT_EQ(page.heading(), kSetUpApp);
  const std::string secret = page.totp_secret();
  page = owner.submit(page);
  ASSERT_EQ(page.heading(), kEnterCode);

  constexpr int kConfirms = 12;
  std::vector<Browser> browsers(kConfirms, owner);
  std::vector<WebPage> answers(kConfirms);
  const std::string code = totp_code(secret, tessera.now());
  in_parallel(kConfirms, [&](int i) {
    answers[static_cast<std::size_t>(i)] =
        browsers[static_cast<std::size_t>(i)].submit(page, {{"code", code}});
  });
  int added = 0;
  std::string outcomes;  // every answer, for the message of a failure
  for (const WebPage& answer : answers) {
    outcomes += std::to_string(answer.status) + " " + answer.location() + answer.heading() + " " +
                answer.alert() + "\n";
    if (answer.status == 303) ++added;
  }
  for (const WebPage& answer : answers)
    EXPECT_LT(answer.status, 500) << outcomes << tessera.server_log();
  EXPECT_EQ(added, 1) << outcomes;
  EXPECT_EQ(user_field(tessera, upn, "methods"), "1") << outcomes;
}

}  // namespace
}  // namespace tessera::testing
