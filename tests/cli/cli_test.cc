// The `tessera` command line as an admin uses it: the real binary, run in a fresh directory with
// its own configuration, master key and SQLite database.
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "support/temp_dir.h"
#include "support/text.h"

namespace tessera {
namespace {

using testing::lines_of;
using testing::read_text_file;
using testing::shell_quote;
using testing::split_on_space_runs;

struct CommandRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() / "tessera.toml") << "[storage]\nsqlite_path = \"data/t.db\"\n"
                                                   "[security]\nmaster_key_file = \"data/key\"\n"
                                                   "[password_hashing]\nmemory_kib = 9216\n"
                                                   "iterations = 4\n";
  }

  // Runs `tessera --config tessera.toml ARGS` in the test directory; `input` is fed to stdin.
  CommandRun tessera(const std::string& args, const std::string& input = "",
                     const std::string& environment = "") {
    const auto out = dir_.path() / "stdout";
    const auto err = dir_.path() / "stderr";
    const auto in = dir_.path() / "stdin";
    std::ofstream(in) << input;
    const std::string command = "cd " + shell_quote(dir_.path().string()) + " && env -u " +
                                "TESSERA_MASTER_KEY " + environment + " " + TESSERA_BINARY +
                                " --config tessera.toml " + args + " <" + shell_quote(in.string()) +
                                " >" + shell_quote(out.string()) + " 2>" +
                                shell_quote(err.string());
    const int status = std::system(command.c_str());
    CommandRun run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = read_text_file(out);
    run.err = read_text_file(err);
    return run;
  }

  // Exactly one line on stderr, starting "tessera: error: ".
  static void expect_one_error_line(const CommandRun& run, const std::string& containing) {
    EXPECT_NE(run.exit_code, 0);
    EXPECT_EQ(run.err.rfind("tessera: error: ", 0), 0u) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_NE(run.err.find(containing), std::string::npos) << run.err;
  }

  void init() { ASSERT_EQ(tessera("init").exit_code, 0); }

  testing::TempDir dir_;
};

TEST_F(Cli, HelpListsTheCommands) {
  const CommandRun run = tessera("--help");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* command :
       {"init", "serve", "migrate", "check-config", "user", "mfa", "policy"}) {
    EXPECT_NE(run.out.find(command), std::string::npos) << command;
  }
  EXPECT_EQ(tessera("user add --help").exit_code, 0);
  EXPECT_NE(tessera("user add --help").out.find("--temporary-password"), std::string::npos);
}

TEST_F(Cli, AddHelpWarnsThatPasswordIsVisibleAndPointsToPasswordStdin) {
  const CommandRun run = tessera("user add --help");
  ASSERT_EQ(run.exit_code, 0);
  // The description of --password, up to the next option (CLI11's "Excludes: --password-stdin"
  // on the option's own line does not count).
  const std::size_t start = run.out.find("Initial password");
  ASSERT_NE(start, std::string::npos) << run.out;
  const std::size_t end = run.out.find("\n  --password-stdin", start);
  ASSERT_NE(end, std::string::npos) << run.out;
  const std::string description = run.out.substr(start, end - start);
  EXPECT_NE(description.find("`ps`"), std::string::npos) << description;
  EXPECT_NE(description.find("--password-stdin"), std::string::npos) << description;
}

TEST_F(Cli, MissingCommandIsAUsageError) {
  const CommandRun run = tessera("");
  EXPECT_EQ(run.exit_code, 2);
}

TEST_F(Cli, InitCreatesAPrivateKeyAndKeepsItOnTheSecondRun) {
  init();
  const auto key_file = dir_.path() / "data/key";
  struct stat info {};
  ASSERT_EQ(::stat(key_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string key = read_text_file(key_file);
  EXPECT_EQ(key.substr(0, 64).find_first_not_of("0123456789abcdef"), std::string::npos);
  init();
  EXPECT_EQ(read_text_file(key_file), key);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "data/t.db"));
}

TEST_F(Cli, CommandsBeforeInitSayToRunInit) {
  expect_one_error_line(tessera("user list"), "tessera init");
}

TEST_F(Cli, OnlyInitCreatesTheDatabaseAMissingOneIsNeverRecreatedEmpty) {
  init();
  const auto database = dir_.path() / "data/t.db";
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(database.string() + suffix);
  for (const char* command : {"user list", "migrate", "policy show"}) {
    SCOPED_TRACE(command);
    expect_one_error_line(tessera(command), "does not exist; run `tessera init`");
    EXPECT_FALSE(std::filesystem::exists(database));
  }
  init();
  EXPECT_EQ(tessera("user list").exit_code, 0);
  // The file init creates is private.
  EXPECT_EQ(std::filesystem::status(database).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(Cli, AddUserWithTemporaryPasswordPrintsItOnce) {
  init();
  const CommandRun run =
      tessera("user add Alice@Example.com --display-name 'Alice Smith' --temporary-password");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("Created alice@example.com"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Temporary password: "), std::string::npos);
  const CommandRun show = tessera("user show alice@example.com");
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("Alice Smith"), std::string::npos);
  EXPECT_NE(show.out.find("temporary password  yes"), std::string::npos) << show.out;
}

TEST_F(Cli, SetRoleMakesAnAdminAndBackAndIsAudited) {
  init();
  ASSERT_EQ(tessera("user add alice@example.com --display-name Alice").exit_code, 0);
  EXPECT_NE(tessera("user show alice@example.com").out.find("role                member"),
            std::string::npos);
  const CommandRun promoted = tessera("user set-role alice@example.com admin");
  ASSERT_EQ(promoted.exit_code, 0) << promoted.err;
  EXPECT_EQ(promoted.out, "alice@example.com is now an admin.\n");
  EXPECT_NE(tessera("user show alice@example.com").out.find("role                admin"),
            std::string::npos);
  EXPECT_NE(tessera("log audit").out.find("user.set_role"), std::string::npos);
  EXPECT_NE(tessera("user set-role alice@example.com owner").exit_code, 0);
  EXPECT_EQ(tessera("user set-role alice@example.com member").exit_code, 0);
  EXPECT_NE(tessera("user show alice@example.com").out.find("role                member"),
            std::string::npos);
  expect_one_error_line(tessera("user set-role nobody@example.com admin"), "nobody@example.com");
}

TEST_F(Cli, AddUserRefusesDuplicatesBadNamesAndWeakPasswords) {
  init();
  ASSERT_EQ(tessera("user add alice@example.com --display-name Alice").exit_code, 0);
  expect_one_error_line(tessera("user add ALICE@example.com --display-name Alice"),
                        "already exists");
  expect_one_error_line(tessera("user add alice --display-name Alice"), "alice@example.com");
  expect_one_error_line(tessera("user add bob@example.com --display-name Bob --password password1"),
                        "commonly used");
  expect_one_error_line(tessera("user add bob@example.com --display-name Bob --password short"),
                        "at least 8");
  // Nothing half-written: bob does not exist after the refusals.
  expect_one_error_line(tessera("user show bob@example.com"), "no user bob@example.com");
}

TEST_F(Cli, PasswordCanComeFromStandardInput) {
  init();
  const CommandRun run = tessera("user add carol@example.com --display-name Carol --password-stdin",
                                 "violet staircase umbrella\n");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out.find("Temporary password"), std::string::npos);
  EXPECT_NE(tessera("user show carol@example.com").out.find("temporary password  no"),
            std::string::npos);
}

TEST_F(Cli, ListFiltersByTextAndState) {
  init();
  ASSERT_EQ(tessera("user add alice@example.com --display-name Alice").exit_code, 0);
  ASSERT_EQ(tessera("user add bob@contoso.com --display-name Bob").exit_code, 0);
  ASSERT_EQ(tessera("mfa set bob@contoso.com enforced").exit_code, 0);
  const CommandRun all = tessera("user list");
  EXPECT_NE(all.out.find("alice@example.com"), std::string::npos);
  EXPECT_NE(all.out.find("bob@contoso.com"), std::string::npos);
  EXPECT_NE(all.out.find("2 users"), std::string::npos);
  const CommandRun filtered = tessera("user list --filter CONTOSO");
  EXPECT_EQ(filtered.out.find("alice@example.com"), std::string::npos);
  EXPECT_NE(filtered.out.find("bob@contoso.com"), std::string::npos);
  const CommandRun enforced = tessera("user list --mfa-state enforced");
  EXPECT_NE(enforced.out.find("1 user\n"), std::string::npos) << enforced.out;
}

TEST_F(Cli, ListShowsADisplayNameThatLooksLikeColumnsAsOneQuotedCell) {
  init();
  ASSERT_EQ(
      tessera("user add mallory@example.com --display-name 'Mallory  active  enforced'").exit_code,
      0);
  ASSERT_EQ(tessera("user add alice@example.com --display-name 'Alice Smith'").exit_code, 0);
  const CommandRun list = tessera("user list");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const std::vector<std::string> lines = lines_of(list.out);
  ASSERT_EQ(lines.size(), 4u) << list.out;
  EXPECT_EQ(split_on_space_runs(lines[0]),
            (std::vector<std::string>{"UPN", "DISPLAY NAME", "STATUS", "MFA"}));
  EXPECT_EQ(split_on_space_runs(lines[1]),
            (std::vector<std::string>{"alice@example.com", "Alice Smith", "active", "disabled"}));
  EXPECT_EQ(split_on_space_runs(lines[2]),
            (std::vector<std::string>{"mallory@example.com",
                                      "\"Mallory\\x20\\x20active\\x20\\x20enforced\"", "active",
                                      "disabled"}))
      << list.out;
  EXPECT_EQ(lines[3], "2 users");
  EXPECT_NE(tessera("user show mallory@example.com")
                .out.find("display name        \"Mallory\\x20\\x20active\\x20\\x20enforced\"\n"),
            std::string::npos);
}

TEST_F(Cli, AuditLogAsJsonLinesHasEveryFieldWithExactText) {
  init();
  ASSERT_EQ(tessera("user add alice@example.com --display-name Alice").exit_code, 0);
  ASSERT_EQ(tessera("user block alice@example.com").exit_code, 0);
  const CommandRun table = tessera("log audit");
  ASSERT_EQ(table.exit_code, 0) << table.err;
  const std::vector<std::string> rows = lines_of(table.out);
  ASSERT_EQ(rows.size(), 3u) << table.out;
  const std::vector<std::string> newest = split_on_space_runs(rows[1]);
  ASSERT_EQ(newest.size(), 5u) << rows[1];
  EXPECT_EQ(newest[1], "cli");
  EXPECT_EQ(newest[2], "user.block");
  EXPECT_EQ(newest[3], "alice@example.com");
  EXPECT_EQ(newest[4], "-");

  const CommandRun run = tessera("log audit --format json");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::vector<std::string> lines = lines_of(run.out);
  ASSERT_EQ(lines.size(), 2u) << run.out;
  std::vector<boost::json::object> entries;
  for (const std::string& line : lines) {
    boost::system::error_code error;
    boost::json::value value = boost::json::parse(line, error);
    ASSERT_FALSE(error) << line;
    ASSERT_TRUE(value.is_object()) << line;
    entries.push_back(value.as_object());
  }
  EXPECT_EQ(entries[0].at("action").as_string(), "user.block");
  EXPECT_EQ(entries[0].at("detail").as_string(), "");
  EXPECT_EQ(entries[1].at("action").as_string(), "user.create");
  EXPECT_EQ(entries[1].at("actor").as_string(), "cli");
  EXPECT_EQ(entries[1].at("target").as_string(), "alice@example.com");
  EXPECT_EQ(entries[1].at("detail").as_string(),
            "created with MFA state disabled and a temporary password");
  const std::string time(entries[1].at("time").as_string());
  EXPECT_TRUE(std::regex_match(time, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)"))) << time;
  EXPECT_TRUE(entries[1].at("time_unix").is_int64());
  EXPECT_FALSE(entries[1].at("id").as_string().empty());
  EXPECT_EQ(entries[1].size(), 7u);
}

TEST_F(Cli, LogFormatIsTableOrJson) {
  init();
  EXPECT_EQ(tessera("log sign-ins --format table").exit_code, 0);
  EXPECT_EQ(lines_of(tessera("log sign-ins --format json").out).size(), 0u);
  for (const char* command : {"log sign-ins --format csv", "log audit --format xml"}) {
    const CommandRun run = tessera(command);
    EXPECT_EQ(run.exit_code, 2) << command;
    EXPECT_EQ(run.err.rfind("tessera: error: --format: ", 0), 0u) << run.err;
  }
}

TEST_F(Cli, BlockUnblockResetAndDelete) {
  init();
  ASSERT_EQ(tessera("user add alice@example.com --display-name Alice").exit_code, 0);
  ASSERT_EQ(tessera("user block alice@example.com").exit_code, 0);
  EXPECT_NE(tessera("user show alice@example.com").out.find("status              blocked"),
            std::string::npos);
  ASSERT_EQ(tessera("user unblock alice@example.com").exit_code, 0);
  EXPECT_NE(tessera("user show alice@example.com").out.find("status              active"),
            std::string::npos);
  const CommandRun reset = tessera("user reset-password alice@example.com");
  ASSERT_EQ(reset.exit_code, 0);
  EXPECT_NE(reset.out.find("Temporary password for alice@example.com: "), std::string::npos);
  ASSERT_EQ(tessera("user delete alice@example.com").exit_code, 0);
  expect_one_error_line(tessera("user show alice@example.com"), "no user");
  for (const char* command : {"block", "unblock", "delete", "reset-password", "show"}) {
    expect_one_error_line(tessera(std::string("user ") + command + " nobody@example.com"),
                          "no user nobody@example.com");
  }
}

TEST_F(Cli, MfaSetAndShow) {
  init();
  ASSERT_EQ(tessera("user add alice@example.com --display-name Alice").exit_code, 0);
  EXPECT_NE(tessera("mfa show alice@example.com").out.find("stored state disabled"),
            std::string::npos);
  ASSERT_EQ(tessera("mfa set alice@example.com enabled").exit_code, 0);
  EXPECT_NE(tessera("mfa show alice@example.com").out.find("stored state enabled"),
            std::string::npos);
  EXPECT_EQ(tessera("mfa set alice@example.com sometimes").exit_code, 2);
  expect_one_error_line(tessera("mfa set ghost@example.com enabled"), "no user");
}

TEST_F(Cli, RevokeMfaSessionsSaysHowManyDevicesAndIsAudited) {
  init();
  ASSERT_EQ(tessera("user add alice@example.com --display-name Alice").exit_code, 0);
  const CommandRun revoked = tessera("mfa revoke-sessions alice@example.com");
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  EXPECT_EQ(revoked.out,
            "Revoked MFA sessions of alice@example.com: 0 remembered devices will ask for MFA "
            "again.\n");
  EXPECT_NE(tessera("log audit --format json").out.find("mfa.revoke_sessions"), std::string::npos);
  expect_one_error_line(tessera("mfa revoke-sessions ghost@example.com"), "no user");
}

TEST_F(Cli, PolicySetShowAndRefusals) {
  init();
  const CommandRun set = tessera("policy set mfa_required_from 2026-12-01");
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_EQ(set.out, "mfa_required_from = 2026-12-01\n");
  ASSERT_EQ(tessera("policy set trusted_ip_ranges 10.0.0.0/8,2001:db8::/32").exit_code, 0);
  const CommandRun show = tessera("policy show");
  EXPECT_NE(show.out.find("2026-12-01"), std::string::npos);
  EXPECT_NE(show.out.find("10.0.0.0/8,2001:db8::/32"), std::string::npos);
  expect_one_error_line(tessera("policy set mfa_required_from 2026-02-30"), "not a valid");
  expect_one_error_line(tessera("policy set trusted_ip_ranges 10.0.0.0/33"), "prefix length");
  expect_one_error_line(tessera("policy set no_such_key 1"), "not a policy setting");
  EXPECT_NE(tessera("policy show").out.find("2026-12-01"), std::string::npos);
}

TEST_F(Cli, UsersCreatedAfterTheOrgDateStartEnabled) {
  init();
  ASSERT_EQ(tessera("policy set mfa_required_from 2020-01-01").exit_code, 0);
  ASSERT_EQ(tessera("user add alice@example.com --display-name Alice").exit_code, 0);
  EXPECT_NE(tessera("mfa show alice@example.com").out.find("stored state enabled"),
            std::string::npos);
}

TEST_F(Cli, UnreadableOrBadConfigIsOneClearLine) {
  std::filesystem::remove(dir_.path() / "tessera.toml");
  expect_one_error_line(tessera("policy show"), "tessera.toml");
  std::ofstream(dir_.path() / "tessera.toml") << "[server]\nprot = 80\n";
  expect_one_error_line(tessera("check-config"), "server.prot");
  std::ofstream(dir_.path() / "tessera.toml") << "[server\n";
  expect_one_error_line(tessera("check-config"), "tessera.toml:");
  std::ofstream(dir_.path() / "tessera.toml") << "[server]\nport = 70000\n";
  expect_one_error_line(tessera("check-config"), "server.port");
}

TEST_F(Cli, CheckConfigRefusesArgon2WeakerThanOwasp) {
  init();
  std::ofstream(dir_.path() / "tessera.toml")
      << "[storage]\nsqlite_path = \"data/t.db\"\n[security]\nmaster_key_file = \"data/key\"\n"
         "[password_hashing]\nmemory_kib = 8192\niterations = 1\n";
  const CommandRun run = tessera("check-config");
  expect_one_error_line(run, "tessera.toml: password_hashing.memory_kib = 8192");
  EXPECT_NE(run.err.find("weaker than OWASP's minimum"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("7168 with 5"), std::string::npos) << run.err;
  expect_one_error_line(tessera("user list"), "OWASP");
}

TEST_F(Cli, CheckConfigReportsAMissingDatabaseWithoutCreatingIt) {
  expect_one_error_line(tessera("check-config"), "tessera init");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "data/t.db"));
  init();
  const CommandRun ok = tessera("check-config");
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("ok:"), std::string::npos);
}

TEST_F(Cli, WrongMasterKeyIsRefused) {
  init();
  ASSERT_EQ(tessera("user add alice@example.com --display-name Alice").exit_code, 0);
  const std::string other_key(64, 'a');
  expect_one_error_line(tessera("user list", "", "TESSERA_MASTER_KEY=" + other_key), "master key");
  expect_one_error_line(tessera("user list", "", "TESSERA_MASTER_KEY=nothex"), "");
}

TEST_F(Cli, GroupReadableKeyFileIsRefused) {
  init();
  ::chmod((dir_.path() / "data/key").c_str(), 0640);
  expect_one_error_line(tessera("user list"), "chmod");
}

}  // namespace
}  // namespace tessera
