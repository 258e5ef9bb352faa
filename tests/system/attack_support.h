// Shared steps of the attack suite (tests/system/*_attack_test.cc, issue 7): journeys to each
// sign-in step, parallel requests released together, and the CLI's tables read back (sign-in log,
// `user show`). Header-only: the system test binary globs only *.cc.
#pragma once

#include <barrier>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/tessera_process.h"
#include "support/web_client.h"

namespace tessera::testing::attack {

inline constexpr const char* kPassword = "Correct-Horse-Battery-9";
inline constexpr const char* kNewPassword = "Staple-Lantern-Orbit-42";

inline constexpr const char* kSignIn = "Sign in";
inline constexpr const char* kEnterPassword = "Enter password";
inline constexpr const char* kUpdatePassword = "Update your password";
inline constexpr const char* kMoreInformation = "More information required";
inline constexpr const char* kChooseMethod = "Keep your account secure";
inline constexpr const char* kSetUpApp = "Set up your authenticator app";
inline constexpr const char* kEnterCode = "Enter code";
inline constexpr const char* kStaySignedIn = "Stay signed in?";

inline constexpr const char* kBlockedMessage =
    "Your account has been blocked. Contact your administrator.";
inline constexpr const char* kIncorrectMessage = "Your account or password is incorrect.";

// Runs fn(0) … fn(n-1) on n threads, released together once all have started, so their requests
// overlap as much as the machine allows.
inline void in_parallel(int n, const std::function<void(int)>& fn) {
  std::barrier start(n);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&start, &fn, i] {
      start.arrive_and_wait();
      fn(i);
    });
  }
  for (std::thread& thread : threads)
    thread.join();
}

// The session cookie a browser holds (with or without the __Host- prefix); "" when none.
inline std::string session_cookie(const Browser& browser) {
  const std::string plain = browser.cookie("tessera_session");
  return plain.empty() ? browser.cookie("__Host-tessera_session") : plain;
}

// True when `page` set a session cookie.
inline bool sets_session(const WebPage& page) {
  for (const std::string& set_cookie : page.response.all("set-cookie")) {
    if ((set_cookie.starts_with("tessera_session=") ||
         set_cookie.starts_with("__Host-tessera_session=")) &&
        set_cookie.find("Max-Age=0") == std::string::npos) {
      return true;
    }
  }
  return false;
}

// Whether `session` (a tessera_session value) opens Security info.
inline bool session_works(std::uint16_t port, const std::string& session,
                          const std::string& extra_headers = "") {
  Browser probe(port, extra_headers);
  probe.cookies()[extra_headers.empty() ? "tessera_session" : "__Host-tessera_session"] = session;
  return probe.get("/security-info").heading() == "Security info";
}

// GET /signin and the username: the Enter password page.
inline WebPage enter_username(Browser& browser, const std::string& upn) {
  const WebPage start = browser.get("/signin");
  EXPECT_EQ(start.heading(), kSignIn);
  return browser.submit(start, {{"username", upn}});
}

// Username and password: the page after the password.
inline WebPage enter_password(Browser& browser, const std::string& upn,
                              const std::string& password) {
  const WebPage page = enter_username(browser, upn);
  EXPECT_EQ(page.heading(), kEnterPassword) << page.body();
  return browser.submit(page, {{"password", password}});
}

// "Stay signed in?" → Yes; true when a session came back and opens Security info.
inline bool answer_stay(Browser& browser, const WebPage& stay) {
  EXPECT_EQ(stay.heading(), kStaySignedIn) << stay.body();
  const WebPage done = browser.submit(stay, {{"answer", "yes"}});
  return done.status == 303 && browser.follow(done).heading() == "Security info";
}

// A full first sign-in of an MFA-enabled user with nothing registered: registers an
// authenticator app and signs in. Returns the app's secret. The test clock then moves on 30 s,
// so the next code comes from a fresh time step.
inline std::string register_app(TesseraProcess& tessera, const std::string& upn,
                                const std::string& password = kPassword) {
  Browser browser(tessera.port());
  WebPage page = enter_password(browser, upn, password);
  EXPECT_EQ(page.heading(), kMoreInformation) << page.body();
  page = browser.submit(page, {{"action", "next"}});
  page = browser.submit(page, {{"method", "authenticator_app"}});
  EXPECT_EQ(page.heading(), kSetUpApp) << page.body();
  const std::string secret = page.totp_secret();
  page = browser.submit(page);
  page = browser.submit(page, {{"code", totp_code(secret, tessera.now())}});
  EXPECT_TRUE(answer_stay(browser, page));
  tessera.advance(std::chrono::seconds(30));
  return secret;
}

// The "Temporary password…: X" line of `user add` / `user reset-password`.
inline std::string temporary_password(const CommandRun& run) {
  const std::string marker = "Temporary password";
  const std::size_t line = run.out.find(marker);
  if (line == std::string::npos) return "";
  const std::size_t colon = run.out.find(": ", line);
  const std::size_t end = run.out.find('\n', colon);
  return run.out.substr(colon + 2, end - colon - 2);
}

// `user add UPN` with a generated temporary password, which is returned.
inline std::string add_user_with_temporary_password(const TesseraProcess& tessera,
                                                    const std::string& upn) {
  const CommandRun run =
      tessera.must({"user", "add", upn, "--display-name", upn.substr(0, upn.find('@'))});
  return temporary_password(run);
}

// One field of `tessera user show UPN` ("status", "mfa state", "methods", …); "" when absent.
inline std::string user_field(const TesseraProcess& tessera, const std::string& upn,
                              const std::string& field) {
  const CommandRun run = tessera.must({"user", "show", upn});
  std::istringstream lines(run.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(field + " ")) {
      const std::size_t value = line.find_first_not_of(' ', field.size());
      return value == std::string::npos ? "" : line.substr(value);
    }
  }
  return "";
}

struct SignInLogRow {
  std::string upn;
  std::string result;
  std::string reason;
};

// `tessera log sign-ins --limit N`, parsed (columns are separated by two spaces or more).
inline std::vector<SignInLogRow> sign_in_log(const TesseraProcess& tessera, int limit = 1000) {
  const CommandRun run = tessera.must({"log", "sign-ins", "--limit", std::to_string(limit)});
  std::vector<SignInLogRow> rows;
  std::istringstream lines(run.out);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::vector<std::string> cells;
    std::size_t at = 0;
    while (at < line.size()) {
      std::size_t gap = line.find("  ", at);
      if (gap == std::string::npos) gap = line.size();
      cells.push_back(line.substr(at, gap - at));
      at = line.find_first_not_of(' ', gap);
      if (at == std::string::npos) break;
    }
    if (cells.size() < 5) continue;
    rows.push_back(SignInLogRow{cells[1], cells[3], cells[4]});
  }
  return rows;
}

inline int count_rows(const std::vector<SignInLogRow>& rows, const std::string& upn,
                      const std::string& reason) {
  int count = 0;
  for (const SignInLogRow& row : rows) {
    if (row.upn == upn && row.reason == reason) ++count;
  }
  return count;
}

// What a person answers on each sign-in page, rightly; `secret` is the authenticator app's.
inline FormFields right_answer(const WebPage& page, const std::string& password,
                               const std::string& secret, Timestamp now) {
  const std::string heading = page.heading();
  if (heading == kEnterPassword) return {{"password", password}};
  if (heading == kUpdatePassword)
    return {{"current", password}, {"new", kNewPassword}, {"confirm", kNewPassword}};
  if (heading == kMoreInformation) return {{"action", "next"}};
  if (heading == kChooseMethod) return {{"method", "authenticator_app"}};
  if (heading == kEnterCode) return {{"code", totp_code(secret, now)}};
  if (heading == kStaySignedIn) return {{"answer", "yes"}};
  return {};
}

enum class Step {
  enter_password,
  update_password,
  more_information,
  choose_method,
  set_up_app,
  verify_app,
  enter_code,
  stay_signed_in
};

inline const char* heading_of(Step step) {
  switch (step) {
    case Step::enter_password:
      return kEnterPassword;
    case Step::update_password:
      return kUpdatePassword;
    case Step::more_information:
      return kMoreInformation;
    case Step::choose_method:
      return kChooseMethod;
    case Step::set_up_app:
      return kSetUpApp;
    case Step::verify_app:
    case Step::enter_code:
      return kEnterCode;
    case Step::stay_signed_in:
      return kStaySignedIn;
  }
  return "";
}

inline const char* url_of(Step step) {
  switch (step) {
    case Step::enter_password:
      return "/signin/password";
    case Step::update_password:
      return "/signin/update-password";
    case Step::more_information:
      return "/signin/more-information";
    case Step::choose_method:
      return "/signin/register/method";
    case Step::set_up_app:
      return "/signin/register/app";
    case Step::verify_app:
      return "/signin/register/verify";
    case Step::enter_code:
      return "/signin/code";
    case Step::stay_signed_in:
      return "/signin/stay";
  }
  return "";
}

inline constexpr Step kAllSteps[] = {
    Step::enter_password, Step::update_password, Step::more_information, Step::choose_method,
    Step::set_up_app,     Step::verify_app,      Step::enter_code,       Step::stay_signed_in};
inline constexpr Step kRegistrationSteps[] = {Step::more_information, Step::choose_method,
                                              Step::set_up_app, Step::verify_app};

struct AtStep {
  Browser browser;
  WebPage page;
  std::string password;  // the one to answer with
  std::string secret;    // the authenticator app's, once there is one
};

// A new user `upn` as `step` needs (a temporary password, MFA enabled, an app registered…),
// signed in up to that step.
inline AtStep reach(TesseraProcess& tessera, Step step, const std::string& upn) {
  AtStep at{Browser(tessera.port()), {}, kPassword, {}};
  switch (step) {
    case Step::enter_password:
    case Step::stay_signed_in:
      tessera.add_user(upn, kPassword);
      break;
    case Step::update_password:
      at.password = add_user_with_temporary_password(tessera, upn);
      break;
    case Step::more_information:
    case Step::choose_method:
    case Step::set_up_app:
    case Step::verify_app:
      tessera.add_user(upn, kPassword, "enabled");
      break;
    case Step::enter_code:
      tessera.add_user(upn, kPassword, "enabled");
      at.secret = register_app(tessera, upn);
      break;
  }
  at.page = enter_username(at.browser, upn);
  while (at.page.heading() != heading_of(step) || (step == Step::verify_app && at.secret.empty())) {
    if (at.page.heading() == kSetUpApp) at.secret = at.page.totp_secret();
    const std::string before = at.page.heading();
    at.page =
        at.browser.submit(at.page, right_answer(at.page, at.password, at.secret, tessera.now()));
    if (at.page.heading() == before && before != kSetUpApp) {
      ADD_FAILURE() << "stuck at " << before << ": " << at.page.body();
      break;
    }
  }
  if (at.page.heading() == kSetUpApp) at.secret = at.page.totp_secret();
  return at;
}

}  // namespace tessera::testing::attack
