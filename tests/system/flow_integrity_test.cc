// A sign-in flow is bound to what it is for and to the user as they were (issue 7, findings 2, 3
// and 4): an "add a method" flow of Security info never drives the sign-in pages, a block,
// password reset, deletion or MFA change by an admin ends every sign-in under way at its next
// step, and a flow id planted in someone's browser never reaches a session.
#include <tuple>

#include <gtest/gtest.h>

#include "system/attack_support.h"

namespace tessera::testing {
namespace {

using namespace attack;
using namespace std::chrono_literals;

const std::string kHttps = "X-Forwarded-Proto: https\r\n";

// --- Finding 2: an "add a method" flow on the sign-in pages -------------------------------------

struct AddFlow {
  std::string id;      // the tessera_add cookie
  std::string secret;  // shown on its set-up page
};

// On Security info, "Add sign-in method" → Authenticator app (and "Next" when `scanned`).
AddFlow start_adding_an_app(Browser& browser, bool scanned) {
  const WebPage info = browser.get("/security-info");
  EXPECT_EQ(info.heading(), "Security info");
  WebPage page = browser.post("/security-info/add/method",
                              {{"csrf", info.input("csrf")}, {"method", "authenticator_app"}});
  EXPECT_EQ(page.heading(), kSetUpApp) << page.body();
  AddFlow added{browser.cookie("tessera_add"), page.totp_secret()};
  if (scanned) {
    page = browser.submit(page);
    EXPECT_EQ(page.heading(), kEnterCode) << page.body();
  }
  EXPECT_FALSE(added.id.empty());
  EXPECT_FALSE(added.secret.empty());
  return added;
}

// An attacker who holds an add flow's id puts it in the sign-in flow cookie, opens each sign-in
// step URL (a GET shows the page the flow is at, with a CSRF token for the cookie's id) and
// answers whatever page comes back, as far as the pages let it. It must never get a session.
void drive_sign_in_pages_with(TesseraProcess& tessera, const AddFlow& added,
                              const std::string& label) {
  for (const char* target : {"/signin/register/app", "/signin/register/verify", "/signin/code",
                             "/signin/stay", "/signin/password"}) {
    SCOPED_TRACE(label + ", " + target);
    Browser attacker(tessera.port());
    attacker.cookies()["tessera_flow"] = added.id;
    WebPage page = attacker.get(target);
    EXPECT_EQ(page.heading(), kSignIn) << page.body();
    // Whatever that page's form is, posted with the add flow's id in the cookie again.
    for (int step = 0; step < 6 && page.heading() != kSignIn; ++step) {
      attacker.cookies()["tessera_flow"] = added.id;
      page = attacker.submit(page, right_answer(page, kPassword, added.secret, tessera.now()));
      EXPECT_FALSE(sets_session(page)) << page.body();
    }
    // The same forms, posted blind with the token the GET gave.
    for (const auto& [action, step, fields] :
         std::vector<std::tuple<std::string, std::string, FormFields>>{
             {"/signin/register/app", "set_up_app", {}},
             {"/signin/register/verify",
              "verify_app",
              {{"code", totp_code(added.secret, tessera.now())}}},
             {"/signin/stay", "stay_signed_in", {{"answer", "yes"}}}}) {
      Browser blind(tessera.port());
      blind.cookies()["tessera_flow"] = added.id;
      FormFields form = {{"csrf", page.input("csrf")}, {"step", step}};
      form.insert(form.end(), fields.begin(), fields.end());
      const WebPage answer = blind.post(action, form);
      EXPECT_FALSE(sets_session(answer)) << action << "\n" << answer.body();
      EXPECT_EQ(answer.heading(), kSignIn) << action;
    }
  }
}

TEST(AddMethodFlow, NeverSignsInThroughTheSignInPages) {
  TesseraProcess tessera;
  ASSERT_TRUE(tessera.start());

  struct Case {
    std::string name;
    bool scanned;  // the add flow waits for the code rather than at the QR code
    std::function<void(Browser&, const std::string& upn)> then;
  };
  const std::vector<Case> cases = {
      {"still signed in", false, [](Browser&, const std::string&) {}},
      {"still signed in, at the code", true, [](Browser&, const std::string&) {}},
      {"signed out", true,
       [](Browser& browser, const std::string&) {
         const WebPage info = browser.get("/security-info");
         const WebPage out = browser.post("/signout", {{"csrf", info.input("csrf")}});
         EXPECT_EQ(browser.follow(out).heading(), kSignIn);
         EXPECT_TRUE(session_cookie(browser).empty());
       }},
      {"blocked", true,
       [&tessera](Browser&, const std::string& upn) {
         tessera.must({"user", "block", upn});
       }},
      {"password reset", true,
       [&tessera](Browser&, const std::string& upn) {
         tessera.must({"user", "reset-password", upn});
       }},
  };
  int n = 0;
  for (const Case& c : cases) {
    const std::string upn = "adder" + std::to_string(n++) + "@example.com";
    tessera.add_user(upn, kPassword);
    Browser owner(tessera.port());
    ASSERT_TRUE(answer_stay(owner, enter_password(owner, upn, kPassword)));
    const AddFlow added = start_adding_an_app(owner, c.scanned);
    c.then(owner, upn);
    drive_sign_in_pages_with(tessera, added, c.name);
  }
}

// --- Finding 3: an admin's change during each step
// ------------------------------------------------

// At each step, an admin command; then the step's form, answered rightly, must end at "Sign in"
// (at "Enter password" the flow does not know the user yet: the password step refuses instead),
// never with a session, and never with a failure page.
void expect_step_ends(TesseraProcess& tessera, Step step, const std::string& upn,
                      const std::vector<std::string>& command, const std::string& refusal) {
  AtStep at = reach(tessera, step, upn);
  ASSERT_EQ(at.page.heading(), heading_of(step)) << at.page.body();
  tessera.must(command);
  const WebPage page =
      at.browser.submit(at.page, right_answer(at.page, at.password, at.secret, tessera.now()));
  EXPECT_EQ(page.status, 200) << page.body();
  EXPECT_FALSE(sets_session(page));
  EXPECT_TRUE(session_cookie(at.browser).empty());
  if (step == Step::enter_password) {
    EXPECT_EQ(page.heading(), kEnterPassword);
    EXPECT_EQ(page.alert(), refusal);
  } else {
    EXPECT_EQ(page.heading(), kSignIn) << page.body();
    // And the step's URL shows nothing of the old flow either.
    EXPECT_EQ(at.browser.get(url_of(step)).heading(), kSignIn);
  }
}

TEST(AdminChangeDuringSignIn, BlockEndsTheSignInAtEveryStep) {
  TesseraProcess tessera;
  ASSERT_TRUE(tessera.start());
  int n = 0;
  for (Step step : kAllSteps) {
    SCOPED_TRACE(heading_of(step) + std::string(" ") + url_of(step));
    const std::string upn = "blocked" + std::to_string(n++) + "@example.com";
    expect_step_ends(tessera, step, upn, {"user", "block", upn}, kBlockedMessage);
    EXPECT_EQ(user_field(tessera, upn, "status"), "blocked");
    if (step == Step::verify_app) {
      EXPECT_EQ(user_field(tessera, upn, "methods"), "0");
    }
  }
}

TEST(AdminChangeDuringSignIn, PasswordResetEndsTheSignInAtEveryStep) {
  TesseraProcess tessera;
  ASSERT_TRUE(tessera.start());
  int n = 0;
  for (Step step : kAllSteps) {
    SCOPED_TRACE(heading_of(step) + std::string(" ") + url_of(step));
    const std::string upn = "reset" + std::to_string(n++) + "@example.com";
    expect_step_ends(tessera, step, upn, {"user", "reset-password", upn}, kIncorrectMessage);
    EXPECT_EQ(user_field(tessera, upn, "temporary password"), "yes");
    if (step == Step::verify_app) {
      EXPECT_EQ(user_field(tessera, upn, "methods"), "0");
    }
  }
}

TEST(AdminChangeDuringSignIn, DeletionEndsTheSignInAtEveryStep) {
  TesseraProcess tessera;
  ASSERT_TRUE(tessera.start());
  int n = 0;
  for (Step step : kAllSteps) {
    SCOPED_TRACE(heading_of(step) + std::string(" ") + url_of(step));
    const std::string upn = "deleted" + std::to_string(n++) + "@example.com";
    expect_step_ends(tessera, step, upn, {"user", "delete", upn}, kIncorrectMessage);
    EXPECT_NE(tessera.cli({"user", "show", upn}).exit_code, 0);
  }
}

TEST(AdminChangeDuringSignIn, MfaDisabledWhileRegisteringEndsTheRegistration) {
  TesseraProcess tessera;
  ASSERT_TRUE(tessera.start());
  int n = 0;
  for (Step step : kRegistrationSteps) {
    SCOPED_TRACE(heading_of(step) + std::string(" ") + url_of(step));
    const std::string upn = "disabled" + std::to_string(n++) + "@example.com";
    expect_step_ends(tessera, step, upn, {"mfa", "set", upn, "disabled"}, "");
    // Registering would have set Enforced over the admin's Disabled.
    EXPECT_EQ(user_field(tessera, upn, "mfa state"), "disabled");
    EXPECT_EQ(user_field(tessera, upn, "methods"), "0");
  }
}

// --- Finding 4: flow fixation -----------------------------------------------------------------

// Over HTTPS (a trusted proxy says so) only __Host- cookies count: a plain tessera_flow
// cookie that a sibling host could plant is never read. The victim signs in with password and code
// beside the planted cookie; the attacker, holding the planted id and every CSRF token it can get
// for it, never gets further than its own "Enter password".
TEST(FlowFixation, OverHttpsAPlantedPlainFlowCookieIsNeverRead) {
  TesseraOptions behind_proxy;
  behind_proxy.config["server"]["trusted_proxies"] = R"(["127.0.0.1"])";
  TesseraProcess tessera(behind_proxy);
  const std::string victim_upn = "victim@example.com";
  tessera.add_user(victim_upn, kPassword, "enabled");
  ASSERT_TRUE(tessera.start());
  const std::string secret = register_app(tessera, victim_upn);

  Browser attacker(tessera.port(), kHttps);
  ASSERT_EQ(enter_username(attacker, victim_upn).heading(), kEnterPassword);
  const std::string planted = attacker.cookie("__Host-tessera_flow");
  ASSERT_FALSE(planted.empty());
  EXPECT_TRUE(attacker.cookie("tessera_flow").empty());

  // Every step URL, as the attacker can open it with the planted id: its own flow, at most.
  auto attacker_sees = [&](const std::string& when) {
    for (const char* target : {"/signin/password", "/signin/code", "/signin/stay"}) {
      Browser probe(tessera.port(), kHttps);
      probe.cookies()["__Host-tessera_flow"] = planted;
      const WebPage page = probe.get(target);
      EXPECT_TRUE(page.heading() == kEnterPassword || page.heading() == kSignIn)
          << when << ", " << target << ": " << page.heading();
    }
  };

  Browser victim(tessera.port(), kHttps);
  victim.cookies()["tessera_flow"] = planted;  // planted by a sibling host, without the prefix
  WebPage page = victim.get("/signin/password");
  EXPECT_EQ(page.heading(), kSignIn) << "the planted flow was read: " << page.body();

  page = victim.get("/signin");
  page = victim.submit(page, {{"username", victim_upn}});
  ASSERT_EQ(page.heading(), kEnterPassword);
  const std::string at_password = victim.cookie("__Host-tessera_flow");
  EXPECT_NE(at_password, planted);
  attacker_sees("victim at Enter password");

  page = victim.submit(page, {{"password", kPassword}});
  ASSERT_EQ(page.heading(), kEnterCode) << page.body();
  const std::string at_code = victim.cookie("__Host-tessera_flow");
  EXPECT_NE(at_code, at_password) << "the flow kept its id past the password";
  {
    Browser old(tessera.port(), kHttps);
    old.cookies()["__Host-tessera_flow"] = at_password;
    EXPECT_EQ(old.get("/signin/code").heading(), kSignIn);
  }
  attacker_sees("victim at Enter code");

  page = victim.submit(page, {{"code", totp_code(secret, tessera.now())}});
  ASSERT_EQ(page.heading(), kStaySignedIn) << page.body();
  EXPECT_NE(victim.cookie("__Host-tessera_flow"), at_code);
  attacker_sees("victim at Stay signed in?");

  // The attacker answers each later step with tokens for the planted id.
  const WebPage own = [&] {
    Browser probe(tessera.port(), kHttps);
    probe.cookies()["__Host-tessera_flow"] = planted;
    return probe.get("/signin/stay");
  }();
  for (const auto& [action, step, fields] :
       std::vector<std::tuple<std::string, std::string, FormFields>>{
           {"/signin/stay", "stay_signed_in", {{"answer", "yes"}}},
           {"/signin/code", "enter_code", {{"code", totp_code(secret, tessera.now())}}}}) {
    for (const char* name : {"__Host-tessera_flow", "tessera_flow"}) {
      Browser probe(tessera.port(), kHttps);
      probe.cookies()[name] = planted;
      FormFields form = {{"csrf", own.input("csrf")}, {"step", step}};
      form.insert(form.end(), fields.begin(), fields.end());
      const WebPage answer = probe.post(action, form);
      EXPECT_FALSE(sets_session(answer)) << action << " with " << name;
      EXPECT_EQ(answer.heading(), kSignIn) << action << " with " << name;
    }
  }

  // The victim's own sign-in is untouched by all that.
  EXPECT_TRUE(answer_stay(victim, page));
  EXPECT_TRUE(session_works(tessera.port(), session_cookie(victim), kHttps));
}

// Over plain HTTP the planted cookie is the cookie, and a GET shows the planted flow's page (the
// victim sees their own name on "Enter password"). After the victim's password the flow lives on
// under a new id only the victim holds: the planted id leads to "Sign in".
TEST(FlowFixation, APlantedIdGoesNoFurtherThanTheStepItWasPlantedAt) {
  TesseraProcess tessera;
  const std::string victim_upn = "victim@example.com";
  tessera.add_user(victim_upn, kPassword);
  ASSERT_TRUE(tessera.start());

  Browser attacker(tessera.port());
  ASSERT_EQ(enter_username(attacker, victim_upn).heading(), kEnterPassword);
  const std::string planted = attacker.cookie("tessera_flow");

  Browser victim(tessera.port());
  victim.cookies()["tessera_flow"] = planted;
  WebPage page = victim.get("/signin/password");
  ASSERT_EQ(page.heading(), kEnterPassword);
  page = victim.submit(page, {{"password", kPassword}});
  ASSERT_EQ(page.heading(), kStaySignedIn) << page.body();
  EXPECT_NE(victim.cookie("tessera_flow"), planted);

  // The attacker's page for the planted id, then its forms.
  WebPage own = attacker.get("/signin/stay");
  EXPECT_EQ(own.heading(), kSignIn) << own.body();
  for (int attempt = 0; attempt < 3 && own.heading() != kSignIn; ++attempt) {
    own = attacker.submit(own, right_answer(own, "", "", tessera.now()));
    EXPECT_FALSE(sets_session(own));
  }
  Browser blind(tessera.port());
  blind.cookies()["tessera_flow"] = planted;
  const WebPage answer = blind.post(
      "/signin/stay", {{"csrf", own.input("csrf")}, {"step", "stay_signed_in"}, {"answer", "yes"}});
  EXPECT_FALSE(sets_session(answer));
  EXPECT_TRUE(session_cookie(attacker).empty());

  EXPECT_TRUE(answer_stay(victim, page));
}

}  // namespace
}  // namespace tessera::testing
