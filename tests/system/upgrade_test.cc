// A database written by each earlier landed tessera (schema versions 4 and 5, made by
// tests/fixtures/make-upgrade-fixture.sh with that release's binary) upgrades with `tessera
// migrate` and loses nothing: users in every state, the authenticator app (its sealed seed still
// opens), the session, counters and lockouts, the policy and both logs. On SQLite and on
// PostgreSQL.
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "support/postgres_server.h"
#include "support/tessera_process.h"
#include "support/web_client.h"

#ifndef TESSERA_SOURCE_DIR
#error "TESSERA_SOURCE_DIR must name the source tree"
#endif

namespace tessera::testing {
namespace {

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
    if (postgres()) {
      auto url = shared_postgres_server().create_database();
      ASSERT_TRUE(url.ok()) << url.status().message();
      options.postgres_url = *url;
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

  TempDir key_dir_;
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
  // remember_mfa_enabled false (before version 8) became remember_mfa_days 0: still off.
  EXPECT_NE(policy.find("remember_mfa_days          0\n"), std::string::npos) << policy;
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

// Written by version 5 (the landed fixes of issue 7): a lockout, counters below the threshold
// (policy threshold 3) and an unknown name's counter, all of which the move of every counter into
// one throttle table (schema version 6) must carry over.
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

std::string made_name(const ::testing::TestParamInfo<Made>& info) {
  return "Version" + std::to_string(info.param.schema_version) +
         (info.param.postgres ? "PostgreSQL" : "SQLite");
}

INSTANTIATE_TEST_SUITE_P(Releases, Upgrade,
                         ::testing::Values(Made{4, false}, Made{4, true}, Made{5, false},
                                           Made{5, true}),
                         made_name);
INSTANTIATE_TEST_SUITE_P(Releases, UpgradeWithLockouts,
                         ::testing::Values(Made{5, false}, Made{5, true}), made_name);

}  // namespace
}  // namespace tessera::testing
