// Admin commands run beside a busy server (issue 7, findings 1 and 5): the CLI and `serve` share
// one SQLite database, so neither may break the other's locks, and an admin's change must neither
// wait for a restart nor be undone by a sign-in writing the same user.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <dirent.h>
#include <mutex>
#include <string_view>
#include <thread>
#include <unistd.h>

#include <gtest/gtest.h>

#include "system/attack_support.h"

namespace tessera::testing {
namespace {

using namespace attack;
using namespace std::chrono_literals;

// What the server holds open of its database files, as /proc/PID/fd shows it: the targets of
// its descriptors that name tessera.db, tessera.db-wal or tessera.db-shm.
std::vector<std::string> open_database_files(pid_t pid) {
  std::vector<std::string> found;
  const std::string fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  DIR* dir = ::opendir(fd_dir.c_str());
  if (dir == nullptr) return found;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    char target[4096];
    const std::string link = fd_dir + "/" + entry->d_name;
    const ssize_t length = ::readlink(link.c_str(), target, sizeof target - 1);
    if (length <= 0) continue;
    const std::string path(target, static_cast<std::size_t>(length));
    if (path.find("tessera.db") != std::string::npos) found.push_back(path);
  }
  ::closedir(dir);
  return found;
}

// Those of them that were deleted while open ("…/tessera.db-wal (deleted)").
std::vector<std::string> deleted_open_files(pid_t pid) {
  std::vector<std::string> deleted;
  for (std::string& path : open_database_files(pid)) {
    if (path.ends_with(" (deleted)")) deleted.push_back(std::move(path));
  }
  return deleted;
}

std::string integrity_check(const TesseraProcess& tessera) {
  const auto out = tessera.dir() / "integrity.out";
  const int rc = run_shell("sqlite3 " + shell_quote(tessera.database_path().string()) +
                           " 'PRAGMA integrity_check' >" + shell_quote(out.string()) + " 2>&1");
  return "exit " + std::to_string(rc) + ": " + read_text_file(out);
}

// Sign-ins, step pages and health checks from 16 threads until stopped, so the server's
// connection pool opens every connection it may while CLI commands run beside it. The load user
// locks itself out after a few wrong passwords (and the clock stands still), so its failures never
// reach the network's limit and the checks' sign-ins are never throttled.
class Load {
 public:
  Load(std::uint16_t port, std::string upn) : port_(port), upn_(std::move(upn)) {
    for (int i = 0; i < kThreads; ++i) {
      threads_.emplace_back([this, i] { i % 2 == 0 ? sign_in_loop() : read_loop(); });
    }
  }
  ~Load() { stop(); }

  void stop() {
    stopping_ = true;
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  int requests() const { return requests_; }
  std::vector<std::string> failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  static constexpr int kThreads = 16;

  void note(const WebPage& page, std::string_view what) {
    ++requests_;
    if (page.status != 200) {
      std::lock_guard lock(mutex_);
      if (failures_.size() < 20) {
        failures_.push_back(std::string(what) + ": " + std::to_string(page.status) + " " +
                            page.body().substr(0, 300));
      }
    }
  }

  WebPage at_password(Browser& browser) {
    WebPage page = browser.get("/signin");
    note(page, "GET /signin");
    page = browser.submit(page, {{"username", upn_}});
    note(page, "POST /signin/username");
    return page;
  }

  void sign_in_loop() {
    Browser browser(port_);
    WebPage page;
    while (!stopping_) {
      if (page.heading() != kEnterPassword) page = at_password(browser);
      page = browser.submit(page, {{"password", "not-the-password"}});
      note(page, "POST /signin/password");
    }
  }

  void read_loop() {
    Browser browser(port_);
    at_password(browser);
    while (!stopping_) {
      note(browser.get("/signin/password"), "GET /signin/password");
      WebPage health;
      auto response = fetch(port_, "GET", "/healthz");
      if (response) {
        health.status = response->status;
        health.response = std::move(*response);
      }
      note(health, "GET /healthz");
    }
  }

  std::uint16_t port_;
  std::string upn_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> failures_;
  std::vector<std::thread> threads_;
};

// Watches /proc/PID/fd of the server until stopped: deleted database files it still holds, and
// how many connections (descriptors of the database file itself) it had open at most.
class DeletedFileWatch {
 public:
  explicit DeletedFileWatch(pid_t pid)
      : thread_([this, pid] {
          while (!stopping_) {
            int connections = 0;
            for (std::string& path : open_database_files(pid)) {
              if (path.ends_with("tessera.db")) ++connections;
              if (!path.ends_with(" (deleted)")) continue;
              std::lock_guard lock(mutex_);
              if (seen_.size() < 10) seen_.push_back(std::move(path));
            }
            most_connections_ = std::max(most_connections_.load(), connections);
            std::this_thread::sleep_for(2ms);
          }
        }) {}
  int most_connections() const { return most_connections_; }
  ~DeletedFileWatch() { stop(); }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  std::atomic<bool> stopping_{false};
  std::atomic<int> most_connections_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> seen_;
  std::thread thread_;
};

TEST(CliBesideServer, ChangesUnderLoadAreSeenAtOnceAndSurviveARestart) {
  TesseraProcess tessera;
  const std::string upn = "check@example.com";
  tessera.add_user(upn, kPassword);
  tessera.add_user("load@example.com", kPassword);
  tessera.add_user("probe@example.com", kPassword);
  ASSERT_TRUE(tessera.start());
  const pid_t pid = tessera.pid();

  DeletedFileWatch watch(pid);
  Load load(tessera.port(), "load@example.com");
  // Progress, not time: the load goes on until the server opened a second connection (its pool
  // grows on demand) and some requests went through.
  while ((load.requests() < 200 || watch.most_connections() < 2) && load.failures().empty()) {
    std::this_thread::sleep_for(5ms);
  }
  auto no_deleted_files = [&](const char* after) {
    EXPECT_EQ(deleted_open_files(pid), std::vector<std::string>()) << "after " << after;
  };

  tessera.must({"user", "block", upn});
  no_deleted_files("user block");
  {
    Browser browser(tessera.port());
    const WebPage page = enter_password(browser, upn, kPassword);
    EXPECT_EQ(page.heading(), kEnterPassword);
    EXPECT_EQ(page.alert(), kBlockedMessage);
  }

  tessera.must({"user", "unblock", upn});
  no_deleted_files("user unblock");
  {
    Browser browser(tessera.port());
    EXPECT_TRUE(answer_stay(browser, enter_password(browser, upn, kPassword)));
  }

  tessera.must({"mfa", "set", upn, "enabled"});
  no_deleted_files("mfa set");
  {
    Browser browser(tessera.port());
    const WebPage page = enter_password(browser, upn, kPassword);
    EXPECT_EQ(page.heading(), kMoreInformation);
    EXPECT_FALSE(page.contains("Skip for now"));
  }

  tessera.must({"policy", "set", "registration_grace_days", "14"});
  no_deleted_files("policy set");
  {
    Browser browser(tessera.port());
    const WebPage page = enter_password(browser, upn, kPassword);
    EXPECT_EQ(page.heading(), kMoreInformation);
    EXPECT_TRUE(page.contains("Skip for now")) << page.body();
  }

  const CommandRun list = tessera.must({"user", "list"});
  no_deleted_files("user list");
  EXPECT_NE(list.out.find("enabled"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("3 users"), std::string::npos) << list.out;

  tessera.must({"mfa", "set", upn, "disabled"});
  tessera.must({"policy", "set", "lockout_threshold", "3"});
  no_deleted_files("mfa set, policy set");
  {
    Browser browser(tessera.port());
    EXPECT_TRUE(answer_stay(browser, enter_password(browser, upn, kPassword)));
    // The new threshold holds at once: the third wrong password locks.
    for (int attempt = 1; attempt <= 3; ++attempt) {
      Browser prober(tessera.port());
      const WebPage page = enter_password(prober, "probe@example.com", "not-the-password");
      EXPECT_EQ(page.alert().starts_with("Your account is temporarily locked"), attempt == 3)
          << "attempt " << attempt << ": " << page.alert();
    }
  }

  load.stop();
  {
    Browser browser(tessera.port());
    EXPECT_TRUE(answer_stay(browser, enter_password(browser, upn, kPassword)));
  }
  watch.stop();
  std::printf("load: %d requests, at most %d database connections\n", load.requests(),
              watch.most_connections());
  EXPECT_EQ(load.failures(), std::vector<std::string>());
  EXPECT_EQ(watch.seen(), std::vector<std::string>());

  // What the CLI reads now is what the server wrote, and stays so across a restart.
  const std::string audit = tessera.must({"log", "audit", "--limit", "1000"}).out;
  for (const char* action : {"user.block", "user.unblock", "mfa.set", "policy.set"}) {
    EXPECT_NE(audit.find(action), std::string::npos) << action << "\n" << audit;
  }
  const std::string sign_ins = tessera.must({"log", "sign-ins", "--limit", "1000"}).out;
  const auto rows = sign_in_log(tessera, 10);
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].upn, upn);  // the sign-in just completed, written by the server
  EXPECT_EQ(rows[0].result, "success");
  // (Looked for in the whole log: the load may have written rows since.)
  EXPECT_GE(count_rows(sign_in_log(tessera), "probe@example.com", "account_locked"), 1);
  const std::string policy = tessera.must({"policy", "show"}).out;

  tessera.stop();
  ASSERT_TRUE(tessera.start());
  EXPECT_EQ(user_field(tessera, upn, "status"), "active");
  EXPECT_EQ(user_field(tessera, upn, "mfa state"), "disabled");
  EXPECT_EQ(tessera.must({"log", "audit", "--limit", "1000"}).out, audit);
  EXPECT_EQ(tessera.must({"log", "sign-ins", "--limit", "1000"}).out, sign_ins);
  EXPECT_EQ(tessera.must({"policy", "show"}).out, policy);
  {
    Browser browser(tessera.port());
    EXPECT_TRUE(answer_stay(browser, enter_password(browser, upn, kPassword)));
  }
  tessera.stop();
  EXPECT_EQ(integrity_check(tessera), "exit 0: ok\n");
}

// Finding 5: a password change at sign-in used to write the whole user row it had read, so an
// admin's block committed meanwhile was undone. Raced round after round, the block always stays,
// and whatever page the sign-in reached, it never ends signed in.
TEST(CliBesideServer, BlockRacingAPasswordChangeAtSignInIsNeverUndone) {
  TesseraProcess tessera;
  ASSERT_TRUE(tessera.start());
  constexpr int kRounds = 6;
  for (int round = 0; round < kRounds; ++round) {
    const std::string upn = "racer" + std::to_string(round) + "@example.com";
    const std::string temporary = add_user_with_temporary_password(tessera, upn);
    ASSERT_FALSE(temporary.empty());
    Browser browser(tessera.port());
    const WebPage update = enter_password(browser, upn, temporary);
    ASSERT_EQ(update.heading(), kUpdatePassword) << update.body();

    WebPage after;
    in_parallel(2, [&](int i) {
      if (i == 0) {
        after = browser.submit(
            update, {{"current", temporary}, {"new", kNewPassword}, {"confirm", kNewPassword}});
      } else {
        tessera.must({"user", "block", upn});
      }
    });
    EXPECT_EQ(user_field(tessera, upn, "status"), "blocked") << "round " << round;
    EXPECT_FALSE(sets_session(after));
    if (after.heading() == kStaySignedIn) {
      // The password change won the race; the block came after and ends the sign-in.
      const WebPage done = browser.submit(after, {{"answer", "yes"}});
      EXPECT_FALSE(sets_session(done)) << "round " << round;
      EXPECT_EQ(done.heading(), kSignIn) << "round " << round;
    } else {
      EXPECT_EQ(after.heading(), kSignIn) << "round " << round << ": " << after.body();
    }
  }
}

}  // namespace
}  // namespace tessera::testing
