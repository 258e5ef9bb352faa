// A node whose database stalls, pauses, restarts or disappears (issue 7, findings 12 and 14):
// every wait on the database is bounded, so pages answer 503 with Retry-After in time, the pages
// that need no database stay up, a load balancer's /healthz never hangs the node, a signed-in
// person is not sent to Sign in because the database blinked, and the node recovers by itself.
//
// Bounds are asserted through the client's read timeout (10 s), far above the configured
// wait_timeout_ms (1 s): without the bounds these requests wait as long as the fault lasts.
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/postgres_connection.h"
#include "support/postgres_server.h"
#include "system/attack_support.h"

namespace tessera::testing {
namespace {

using namespace attack;
using namespace std::chrono_literals;

constexpr const char* kUpn = "dana@example.com";

// What a request got, for the messages of failed expectations.
struct Answer {
  std::string what;
  WebPage page;
};

std::string describe(const Answer& answer) {
  return answer.what + " → " + std::to_string(answer.page.status) + " " + answer.page.location() +
         " " + answer.page.heading();
}

TesseraOptions on_postgres(const std::string& url) {
  TesseraOptions options;
  options.postgres_url = url;
  options.config["storage"]["wait_timeout_ms"] = "1000";
  return options;
}

// A signed-in browser's session cookie (MFA disabled, so password then "Stay signed in?").
std::map<std::string, std::string> sign_in(TesseraProcess& tessera) {
  Browser browser(tessera.port());
  EXPECT_TRUE(answer_stay(browser, enter_password(browser, kUpn, kPassword)));
  return browser.cookies();
}

WebPage security_info(std::uint16_t port, const std::map<std::string, std::string>& cookies) {
  Browser browser(port);
  browser.cookies() = cookies;
  return browser.get("/security-info");
}

WebPage health(std::uint16_t port) {
  WebPage page;
  if (auto response = fetch(port, "GET", "/healthz")) {
    page.status = response->status;
    page.response = std::move(*response);
  }
  return page;
}

// In parallel: health probes, the signed-in person's Security info, and the Sign in page.
std::vector<Answer> burst(std::uint16_t port, const std::map<std::string, std::string>& cookies) {
  std::vector<Answer> answers(12);
  in_parallel(12, [&](int i) {
    Answer& answer = answers[static_cast<std::size_t>(i)];
    if (i < 3) {
      answer = {"GET /healthz", health(port)};
    } else if (i < 9) {
      answer = {"GET /security-info", security_info(port, cookies)};
    } else {
      answer = {"GET /signin", Browser(port).get("/signin")};
    }
  });
  return answers;
}

// A stalled database: answered in time, with a 503 that keeps the person signed in.
void expect_database_refusal(const Answer& answer) {
  EXPECT_EQ(answer.page.status, 503) << describe(answer);
  EXPECT_EQ(answer.page.response.header("retry-after"), "5") << describe(answer);
  EXPECT_FALSE(sets_session(answer.page)) << describe(answer);
  EXPECT_EQ(answer.page.response.header("set-cookie").find("Max-Age=0"), std::string::npos)
      << describe(answer);
}

// Polls /healthz until it answers 200 (the node recovered by itself) or 30 s passed.
bool recovers(std::uint16_t port) {
  for (int i = 0; i < 300; ++i) {
    if (health(port).status == 200) return true;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

TEST(StalledDatabase, ALockedTableGets503sInTimeWhileSignInAndHealthStayUp) {
  auto url = shared_postgres_server().create_database();
  ASSERT_TRUE(url.ok()) << url.status().to_string();
  TesseraProcess tessera(on_postgres(*url));
  tessera.add_user(kUpn, kPassword);
  ASSERT_TRUE(tessera.start());
  const auto cookies = sign_in(tessera);
  ASSERT_EQ(security_info(tessera.port(), cookies).heading(), "Security info");

  // Another client holds the tables every signed-in page reads.
  auto locker = open_postgres_connection(*url, 60s);
  ASSERT_TRUE(locker.ok()) << locker.status().to_string();
  ASSERT_TRUE((*locker)->begin().ok());
  ASSERT_TRUE(
      (*locker)->execute_script("LOCK TABLE sessions, users IN ACCESS EXCLUSIVE MODE").ok());

  for (int round = 0; round < 2; ++round) {
    for (const Answer& answer : burst(tessera.port(), cookies)) {
      if (answer.what == "GET /security-info") {
        expect_database_refusal(answer);
      } else if (answer.what == "GET /signin") {
        EXPECT_EQ(answer.page.status, 200) << describe(answer);
      } else {
        // The schema is readable, so the node may well be healthy; it must answer.
        EXPECT_NE(answer.page.status, 0) << describe(answer);
      }
    }
  }

  (*locker)->rollback();
  // Without a restart, and still signed in.
  EXPECT_EQ(security_info(tessera.port(), cookies).heading(), "Security info");
  EXPECT_EQ(health(tessera.port()).status, 200);
}

// A PostgreSQL of its own (the test pauses or restarts it), a node on it, and a signed-in person.
struct OwnPostgresNode {
  std::unique_ptr<PostgresServer> server;
  std::optional<TesseraProcess> tessera;
  std::map<std::string, std::string> cookies;

  void start() {
    auto started = PostgresServer::start();
    ASSERT_TRUE(started.ok()) << started.status().to_string();
    server = std::move(started).value();
    auto url = server->create_database();
    ASSERT_TRUE(url.ok()) << url.status().to_string();
    tessera.emplace(on_postgres(*url));
    tessera->add_user(kUpn, kPassword);
    ASSERT_TRUE(tessera->start());
    cookies = sign_in(*tessera);
  }
};

TEST(StalledDatabase, APausedServerGets503sInTimeAndTheNodeRecoversByItself) {
  OwnPostgresNode node;
  ASSERT_NO_FATAL_FAILURE(node.start());
  PostgresServer& server = *node.server;
  TesseraProcess& tessera = *node.tessera;
  const auto& cookies = node.cookies;

  ASSERT_TRUE(server.pause().ok());
  for (int round = 0; round < 2; ++round) {
    for (const Answer& answer : burst(tessera.port(), cookies)) {
      if (answer.what == "GET /signin") {
        EXPECT_EQ(answer.page.status, 200) << describe(answer);
      } else if (answer.what == "GET /healthz") {
        EXPECT_EQ(answer.page.status, 503) << describe(answer);
        EXPECT_EQ(answer.page.body(), R"({"status":"unavailable"})") << describe(answer);
      } else {
        expect_database_refusal(answer);
      }
    }
  }
  ASSERT_TRUE(server.resume().ok());

  EXPECT_TRUE(recovers(tessera.port())) << tessera.server_log();
  EXPECT_EQ(security_info(tessera.port(), cookies).heading(), "Security info");
  EXPECT_TRUE(tessera.running());
}

TEST(StalledDatabase, ARestartOfPostgresFailsNoRequest) {
  OwnPostgresNode node;
  ASSERT_NO_FATAL_FAILURE(node.start());
  PostgresServer& server = *node.server;
  TesseraProcess& tessera = *node.tessera;
  const auto& cookies = node.cookies;
  // Parallel pages open several pooled connections, all of which the restart ends.
  in_parallel(8, [&](int) { (void)security_info(tessera.port(), cookies); });

  ASSERT_TRUE(server.restart().ok());
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(security_info(tessera.port(), cookies).heading(), "Security info")
        << "request " << i << "\n"
        << tessera.server_log();
  }
}

TEST(DeletedSqliteFile, HealthAndPagesAnswer503AndNoEmptyDatabaseAppears) {
  TesseraProcess tessera;
  tessera.add_user(kUpn, kPassword);
  ASSERT_TRUE(tessera.start());
  const auto cookies = sign_in(tessera);
  ASSERT_EQ(health(tessera.port()).status, 200);

  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(tessera.database_path().string() + suffix);

  for (int i = 0; i < 10; ++i) {
    const WebPage probe = health(tessera.port());
    EXPECT_EQ(probe.status, 503) << probe.body();
    expect_database_refusal({"GET /security-info", security_info(tessera.port(), cookies)});
    const WebPage start = Browser(tessera.port()).get("/signin");
    EXPECT_EQ(start.status, 200);
  }
  EXPECT_FALSE(std::filesystem::exists(tessera.database_path()));
  EXPECT_TRUE(tessera.running());
}

}  // namespace
}  // namespace tessera::testing
