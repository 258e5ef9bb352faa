// A database written by each earlier landed tessera (schema versions 4, 5 and 8, made by
// tests/fixtures/make-upgrade-fixture.sh with that release's binary) upgrades with `tessera
// migrate` and loses nothing: users in every state, the authenticator app (its sealed seed still
// opens), the session, counters and lockouts, the policy and both logs; from version 8 also the
// remembered device, the phone and the fraud report made with it, the email kept as password reset
// info and when reset info was first asked for. Sessions from before version 9 read back with no
// amr and still sign their user in, to the pages and to an app registered after the upgrade. On
// SQLite and on PostgreSQL.
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/postgres_server.h"
#include "support/tessera_process.h"
#include "support/web_client.h"

#ifndef TESSERA_SOURCE_DIR
#error "TESSERA_SOURCE_DIR must name the source tree"
#endif

namespace tessera::testing {
namespace {

namespace json = boost::json;

constexpr const char* kPassword = "Correct-Horse-Battery-9";

struct Made {
  int schema_version;  // of the landed tessera that wrote the fixture
  bool postgres;
};

std::filesystem::path fixture(int version, const std::string& name) {
  return std::filesystem::path(TESSERA_SOURCE_DIR) /
         ("tests/fixtures/upgrade-v" + std::to_string(version)) / name;
}

std::map<std::string, std::string> read_facts(const std::filesystem::path& path) {
  std::map<std::string, std::string> facts;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const auto equals = line.find('=');
    if (equals != std::string::npos) facts[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return facts;
}

class Upgrade : public ::testing::TestWithParam<Made> {
 protected:
  bool postgres() const { return GetParam().postgres; }
  std::filesystem::path fixture(const std::string& name) const {
    return testing::fixture(GetParam().schema_version, name);
  }

  void SetUp() override {
    facts_ = read_facts(fixture(postgres() ? "facts-postgres.txt" : "facts-sqlite.txt"));
    ASSERT_FALSE(facts_["alice_totp_secret"].empty());
    // The key file the fixture's secrets were sealed under.
    key_file_ = key_dir_.path() / "master.key";
    std::ofstream(key_file_) << read_text_file(fixture("master.key.hex"));
    std::filesystem::permissions(
        key_file_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    TesseraOptions options;
    options.init = false;
    options.master_key_file = key_file_;
    options.start_time = from_unix_seconds(std::stoll(facts_["written_at"]) + 3600);
    // Calls and emails to the fixture's phone and email land here, where a test answers them.
    options.config["delivery"]["dev_outbox"] = "true";
    if (postgres()) {
      auto url = shared_postgres_server().create_database();
      ASSERT_TRUE(url.ok()) << url.status().message();
      options.postgres_url = *url;
      postgres_url_ = *url;
      ASSERT_EQ(run_shell("psql -q -v ON_ERROR_STOP=1 " + shell_quote(*url) + " -f " +
                          shell_quote(fixture("tessera-postgres.sql").string()) + " >/dev/null"),
                0);
    }
    tessera_.emplace(options);
    if (!postgres()) {
      ASSERT_EQ(run_shell("sqlite3 " + shell_quote(tessera_->database_path().string()) + " < " +
                          shell_quote(fixture("tessera-sqlite.sql").string())),
                0);
    }
  }

  // What one SQL query prints, rows on lines and columns separated by '|', straight from the
  // database (SQLite's sqlite3 or PostgreSQL's psql -At).
  std::string query(const std::string& sql) const {
    const std::filesystem::path out = key_dir_.path() / "query.out";
    const std::string client =
        postgres() ? "psql -X -At -v ON_ERROR_STOP=1 " + shell_quote(postgres_url_) + " -c "
                   : "sqlite3 " + shell_quote(tessera_->database_path().string()) + " ";
    EXPECT_EQ(run_shell(client + shell_quote(sql) + " > " + shell_quote(out.string())), 0) << sql;
    return read_text_file(out);
  }

  TempDir key_dir_;
  std::string postgres_url_;
  std::filesystem::path key_file_;
  std::map<std::string, std::string> facts_;
  std::optional<TesseraProcess> tessera_;
};

TEST_P(Upgrade, MigrateKeepsUsersMethodsSessionsPolicyAndLogs) {
  // Before migrating, the server refuses to run on the old schema, naming the command.
  const CommandRun refused = tessera_->cli({"user", "list"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("tessera migrate"), std::string::npos) << refused.err;
  tessera_->must({"migrate"});

  const std::string alice = tessera_->must({"user", "show", "alice@example.com"}).out;
  EXPECT_NE(alice.find("enforced"), std::string::npos) << alice;
  EXPECT_NE(alice.find("authenticator_app"), std::string::npos) << alice;
  EXPECT_NE(alice.find("role                member"), std::string::npos) << alice;
  const std::string bob = tessera_->must({"user", "show", "bob@example.com"}).out;
  EXPECT_NE(bob.find("blocked"), std::string::npos) << bob;
  EXPECT_NE(bob.find("Bob Blocked"), std::string::npos) << bob;
  const std::string carol = tessera_->must({"user", "show", "carol@example.com"}).out;
  EXPECT_NE(carol.find("temporary password  yes"), std::string::npos) << carol;
  const std::string policy = tessera_->must({"policy", "show"}).out;
  EXPECT_NE(policy.find("10.20.0.0/16"), std::string::npos) << policy;
  EXPECT_NE(policy.find("registration_grace_days    7"), std::string::npos) << policy;
  if (GetParam().schema_version < 8) {
    // remember_mfa_enabled false (before version 8) became remember_mfa_days 0: still off.
    EXPECT_NE(policy.find("remember_mfa_days          0\n"), std::string::npos) << policy;
  } else {
    EXPECT_NE(policy.find("remember_mfa_days          14\n"), std::string::npos) << policy;
    EXPECT_NE(policy.find("fraud_notify_email         security@example.com\n"), std::string::npos)
        << policy;
  }
  EXPECT_EQ(policy.find("remember_mfa_enabled"), std::string::npos) << policy;
  const std::string sign_ins = tessera_->must({"log", "sign-ins", "--format", "json"}).out;
  // (Called registered_app_now_enforced before version 5.)
  EXPECT_NE(sign_ins.find("_now_enforced"), std::string::npos) << sign_ins;
  EXPECT_NE(sign_ins.find("dave@example.com"), std::string::npos) << sign_ins;
  const std::string audit = tessera_->must({"log", "audit", "--format", "json"}).out;
  EXPECT_NE(audit.find("user.block"), std::string::npos) << audit;
  EXPECT_NE(audit.find("method.add"), std::string::npos) << audit;

  ASSERT_TRUE(tessera_->start());
  // alice's session from before the upgrade still opens Security info.
  Browser signed_in(tessera_->port());
  signed_in.cookies()["tessera_session"] = facts_["alice_session_token"];
  EXPECT_EQ(signed_in.get("/security-info").heading(), "Security info");

  // Her app's seed still opens: a code from it signs her in again.
  Browser browser(tessera_->port());
  WebPage page = browser.get("/signin");
  page = browser.submit(page, {{"username", "alice@example.com"}});
  page = browser.submit(page, {{"password", kPassword}});
  ASSERT_EQ(page.heading(), "Enter code") << page.body();
  page = browser.submit(page, {{"code", totp_code(facts_["alice_totp_secret"], tessera_->now())}});
  EXPECT_EQ(page.heading(), "Stay signed in?") << page.body();

  // dave's wrong passwords from before did not lock him; his password still works.
  Browser dave(tessera_->port());
  page = dave.get("/signin");
  page = dave.submit(page, {{"username", "dave@example.com"}});
  page = dave.submit(page, {{"password", kPassword}});
  EXPECT_EQ(page.heading(), "Stay signed in?") << page.body();
  // bob is still blocked.
  Browser bob_browser(tessera_->port());
  page = bob_browser.get("/signin");
  page = bob_browser.submit(page, {{"username", "bob@example.com"}});
  page = bob_browser.submit(page, {{"password", kPassword}});
  EXPECT_NE(page.alert().find("blocked"), std::string::npos) << page.body();
}

// Written by version 5 (the landed fixes of issue 7) and later: a lockout, counters below the
// threshold (policy threshold 3) and an unknown name's counter, all of which the move of every
// counter into one throttle table (schema version 6) must carry over.
class UpgradeWithLockouts : public Upgrade {};

TEST_P(UpgradeWithLockouts, MigrateKeepsLockoutsAndCounters) {
  tessera_->must({"migrate"});
  const std::string erin = tessera_->must({"user", "show", "erin@example.com"}).out;
  EXPECT_NE(erin.find("locked until"), std::string::npos) << erin;
  ASSERT_TRUE(tessera_->start());
  // erin is still locked: even her right password is refused.
  Browser browser(tessera_->port());
  WebPage page = browser.get("/signin");
  page = browser.submit(page, {{"username", "erin@example.com"}});
  page = browser.submit(page, {{"password", kPassword}});
  EXPECT_TRUE(page.alert().starts_with("Your account is temporarily locked")) << page.body();
  // The unknown name had two wrong passwords: the third reaches the threshold and locks.
  Browser nobody(tessera_->port());
  page = nobody.get("/signin");
  page = nobody.submit(page, {{"username", "nobody@example.com"}});
  page = nobody.submit(page, {{"password", "wrong-guess"}});
  EXPECT_TRUE(page.alert().starts_with("Your account is temporarily locked")) << page.body();
  // dave had two: the third locks him too, which a counter lost in the move would not.
  Browser dave(tessera_->port());
  page = dave.get("/signin");
  page = dave.submit(page, {{"username", "dave@example.com"}});
  page = dave.submit(page, {{"password", "wrong-guess"}});
  EXPECT_TRUE(page.alert().starts_with("Your account is temporarily locked")) << page.body();
}

// Written by version 8: what that version added (remembered devices, fraud reports, password reset
// info) and the sessions that version 9 gives an amr.
class UpgradeFromVersion8 : public Upgrade {
 protected:
  // Presses `keys` on the newest call to `to` in the dev outbox; false when there is none.
  static bool answer_newest_call(Browser& browser, const std::string& to, const std::string& keys) {
    const WebPage outbox = browser.get("/dev/outbox");
    const std::size_t call = outbox.body().find("<h2>Phone call to " + to + "</h2>");
    if (call == std::string::npos) return false;
    WebPage from_call;
    from_call.response.body = outbox.body().substr(call);
    return browser.submit(from_call, {{"delivery", from_call.input("delivery")}, {"keys", keys}})
               .status == 200;
  }
  // The code in the newest email to `to` in the dev outbox; "" when there is none.
  static std::string newest_emailed_code(Browser& browser, const std::string& to) {
    const std::string outbox = browser.get("/dev/outbox").body();
    const std::size_t email = outbox.find("<h2>Email to " + to + "</h2>");
    if (email == std::string::npos) return "";
    std::smatch code;
    const std::string rest = outbox.substr(email);
    if (!std::regex_search(rest, code, std::regex("verification code ([0-9]{6})"))) return "";
    return code[1];
  }
  // A line "name   value" of `tessera user show`.
  std::string user_field(const std::string& upn, const std::string& name) const {
    for (const std::string& line : lines_of(tessera_->must({"user", "show", upn}).out)) {
      const std::vector<std::string> cells = split_on_space_runs(line);
      if (cells.size() == 2 && cells[0] == name) return cells[1];
    }
    return "";
  }
};

TEST_P(UpgradeFromVersion8, SessionsReadBackWithoutAmrAndStillSignInToAnApp) {
  // alice's two, grace's (not kept past the browser) and heidi's.
  const std::string before = query("SELECT COUNT(*) FROM sessions");
  ASSERT_EQ(before, "4\n");
  tessera_->must({"migrate"});
  // Every session is still there, each with the amr of a session from before version 9: none.
  EXPECT_EQ(query("SELECT COUNT(*) FROM sessions WHERE amr = ''"), before);
  // Calls queued before version 10 keep what 0# meant for them: a fraud report.
  const std::string deliveries = query("SELECT COUNT(*) FROM deliveries");
  EXPECT_NE(deliveries, "0\n");
  EXPECT_EQ(query("SELECT COUNT(*) FROM deliveries WHERE reports_fraud = 1"), deliveries);

  // An app can be registered now, and alice's session from before signs her in to it.
  const std::string added =
      tessera_->must({"client", "add", "Wiki", "--redirect-uri", "http://127.0.0.1:9/cb"}).out;
  std::smatch id_and_secret;
  ASSERT_TRUE(std::regex_search(added, id_and_secret,
                                std::regex("client_id: +([0-9a-f]{32})\n"
                                           "client_secret: +([A-Za-z0-9_-]+)\n")))
      << added;
  const std::string client_id = id_and_secret[1];
  const std::string client_secret = id_and_secret[2];
  EXPECT_NE(tessera_->must({"client", "list"}).out.find(client_id), std::string::npos);
  ASSERT_TRUE(tessera_->start());
  Browser signed_in(tessera_->port());
  signed_in.cookies()["tessera_session"] = facts_["alice_session_token"];
  const WebPage authorized = signed_in.get("/authorize?client_id=" + client_id +
                                           "&redirect_uri=" + form_encode("http://127.0.0.1:9/cb") +
                                           "&response_type=code&scope=openid&state=s1&prompt=none");
  ASSERT_EQ(authorized.status, 302) << authorized.body();
  std::smatch code;
  const std::string location = authorized.location();
  ASSERT_TRUE(std::regex_search(location, code,
                                std::regex("^http://127\\.0\\.0\\.1:9/cb\\?code=([^&]+)&state=s1")))
      << location;
  Browser app(tessera_->port());
  const WebPage tokens = app.post("/token", {{"grant_type", "authorization_code"},
                                             {"code", code[1]},
                                             {"redirect_uri", "http://127.0.0.1:9/cb"},
                                             {"client_id", client_id},
                                             {"client_secret", client_secret}});
  ASSERT_EQ(tokens.status, 200) << tokens.body();
  const json::object token_response = json::parse(tokens.body()).as_object();
  ASSERT_TRUE(token_response.contains("id_token")) << tokens.body();
  const WebPage introspected = app.post(
      "/introspect", {{"token", json::value_to<std::string>(token_response.at("access_token"))},
                      {"client_id", client_id},
                      {"client_secret", client_secret}});
  ASSERT_EQ(introspected.status, 200) << introspected.body();
  // The grant names alice, and her session without an amr counts as a password only.
  const json::object claims = json::parse(introspected.body()).as_object();
  EXPECT_EQ(claims.at("active"), json::value(true)) << introspected.body();
  EXPECT_EQ(claims.at("sub"), json::value(user_field("alice@example.com", "id")))
      << introspected.body();
  EXPECT_EQ(claims.at("amr"), json::value(json::array{"pwd"})) << introspected.body();
  EXPECT_EQ(claims.at("acr"), json::value("urn:tessera:acr:password")) << introspected.body();
}

TEST_P(UpgradeFromVersion8, MigrateKeepsRememberedDevice) {
  ASSERT_FALSE(facts_["alice_device_token"].empty());
  tessera_->must({"migrate"});
  ASSERT_TRUE(tessera_->start());
  // The browser where alice chose "Don't ask again for 14 days" still skips her code.
  Browser remembered(tessera_->port());
  remembered.cookies()["tessera_device"] = facts_["alice_device_token"];
  WebPage page = remembered.get("/signin");
  page = remembered.submit(page, {{"username", "alice@example.com"}});
  page = remembered.submit(page, {{"password", kPassword}});
  EXPECT_EQ(page.heading(), "Stay signed in?") << page.body();
  const std::string sign_ins = tessera_->must({"log", "sign-ins", "--format", "json"}).out;
  EXPECT_NE(sign_ins.find("remembered_device"), std::string::npos) << sign_ins;
}

TEST_P(UpgradeFromVersion8, MigrateKeepsFraudReportAndThePhoneThatMadeIt) {
  const std::string reported_at = facts_["frank_fraud_reported_at"];
  ASSERT_FALSE(reported_at.empty());
  tessera_->must({"migrate"});
  EXPECT_EQ(user_field("frank@example.com", "status"), "blocked");
  const std::string frank = tessera_->must({"user", "show", "frank@example.com"}).out;
  EXPECT_NE(frank.find("phone (default) +44 7400 123456"), std::string::npos) << frank;
  const std::string audit = tessera_->must({"log", "audit", "--format", "json"}).out;
  EXPECT_NE(audit.find("user.fraud_report"), std::string::npos) << audit;
  const std::string sign_ins = tessera_->must({"log", "sign-ins", "--format", "json"}).out;
  EXPECT_NE(sign_ins.find("fraud_reported"), std::string::npos) << sign_ins;
  ASSERT_TRUE(tessera_->start());
  // The report that blocked him is named, with its time, at his right password.
  Browser browser(tessera_->port());
  WebPage page = browser.get("/signin");
  page = browser.submit(page, {{"username", "frank@example.com"}});
  page = browser.submit(page, {{"password", kPassword}});
  EXPECT_NE(
      page.alert().find("because you reported a sign-in you didn't start (" + reported_at + ")"),
      std::string::npos)
      << page.body();

  // Unblocked, he is told of the report, and his phone's sealed number still gets the call.
  tessera_->must({"user", "unblock", "frank@example.com"});
  browser = Browser(tessera_->port());
  page = browser.get("/signin");
  page = browser.submit(page, {{"username", "frank@example.com"}});
  page = browser.submit(page, {{"password", kPassword}});
  ASSERT_EQ(page.heading(), "Approve sign in request") << page.body();
  EXPECT_TRUE(page.contains("On " + reported_at + " you reported a sign-in you didn"))
      << page.body();
  bool answered = false;
  for (int tries = 0; tries < 100 && !answered; ++tries) {
    answered = answer_newest_call(browser, "+447400123456", "#");
    if (!answered) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(answered) << browser.get("/dev/outbox").body();
  page = browser.get("/signin/method");
  EXPECT_EQ(page.heading(), "Stay signed in?") << page.body();
}

TEST_P(UpgradeFromVersion8, MigrateKeepsPasswordResetInfoAndWhenItWasAsked) {
  tessera_->must({"migrate"});
  const std::string grace = tessera_->must({"user", "show", "grace@example.com"}).out;
  EXPECT_NE(grace.find("email (default) grace@example.net"), std::string::npos) << grace;
  tessera_->must({"policy", "set", "sspr_enabled", "true"});
  ASSERT_TRUE(tessera_->start());
  // grace resets her password with a code sent to her email.
  Browser browser(tessera_->port());
  WebPage page = browser.get("/signin/forgot");
  page = browser.submit(page, {{"username", "grace@example.com"}});
  std::smatch email_choice;
  ASSERT_TRUE(std::regex_search(page.body(), email_choice,
                                std::regex("name=\"choice\" value=\"(email:[^\"]*)\"")))
      << page.body();
  page = browser.submit(page, {{"choice", email_choice[1]}, {"destination", "grace@example.net"}});
  ASSERT_EQ(page.heading(), "Enter code") << page.body();
  std::string code;
  for (int tries = 0; tries < 100 && code.empty(); ++tries) {
    code = newest_emailed_code(browser, "grace@example.net");
    if (code.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(code.empty()) << browser.get("/dev/outbox").body();
  page = browser.submit(page, {{"code", code}});
  ASSERT_EQ(page.heading(), "Choose a new password") << page.body();
  const std::string new_password = "Another-Horse-Battery-7";
  page = browser.submit(page, {{"new", new_password}, {"confirm", new_password}});
  ASSERT_EQ(page.heading(), "Your password was reset") << page.body();
  // She has her reset info, so signing in asks for none.
  Browser grace_browser(tessera_->port());
  page = grace_browser.get("/signin");
  page = grace_browser.submit(page, {{"username", "grace@example.com"}});
  page = grace_browser.submit(page, {{"password", new_password}});
  EXPECT_EQ(page.heading(), "Stay signed in?") << page.body();

  // heidi was first asked for reset info when the fixture was made: 8 days later the 7 grace days
  // have passed, so she can no longer skip it (a lost first ask would start them again now).
  tessera_->set_time(from_unix_seconds(std::stoll(facts_["written_at"])) + std::chrono::days(8));
  Browser heidi(tessera_->port());
  page = heidi.get("/signin");
  page = heidi.submit(page, {{"username", "heidi@example.com"}});
  page = heidi.submit(page, {{"password", kPassword}});
  ASSERT_EQ(page.heading(), "Keep your account secure") << page.body();
  EXPECT_FALSE(page.contains("Skip for now")) << page.body();
}

std::string made_name(const ::testing::TestParamInfo<Made>& info) {
  return "Version" + std::to_string(info.param.schema_version) +
         (info.param.postgres ? "PostgreSQL" : "SQLite");
}

INSTANTIATE_TEST_SUITE_P(Releases, Upgrade,
                         ::testing::Values(Made{4, false}, Made{4, true}, Made{5, false},
                                           Made{5, true}, Made{8, false}, Made{8, true}),
                         made_name);
INSTANTIATE_TEST_SUITE_P(Releases, UpgradeWithLockouts,
                         ::testing::Values(Made{5, false}, Made{5, true}, Made{8, false},
                                           Made{8, true}),
                         made_name);
INSTANTIATE_TEST_SUITE_P(Releases, UpgradeFromVersion8,
                         ::testing::Values(Made{8, false}, Made{8, true}), made_name);

}  // namespace
}  // namespace tessera::testing
