// The sign-in log as an admin reads it (`tessera log sign-ins`) after someone typed a crafted
// username at the real sign-in pages.
#include <regex>
#include <sstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "base/time_format.h"
#include "support/tessera_process.h"
#include "support/web_client.h"

namespace tessera::testing {
namespace {

namespace json = boost::json;

// A failed attempt whose username reads like the columns of someone else's success.
const std::string kSpoofingName =
    "admin@example.com  203.0.113.9  success  -  required  trusted_ip  password\xc2\xa0\"\\";

void fail_a_sign_in_as(TesseraProcess& tessera, const std::string& username) {
  Browser browser(tessera.port());
  WebPage page = browser.get("/signin");
  ASSERT_EQ(page.heading(), "Sign in");
  page = browser.submit(page, {{"username", username}});
  ASSERT_EQ(page.heading(), "Enter password");
  page = browser.submit(page, {{"password", "Any-Password-42"}});
  ASSERT_EQ(page.heading(), "Enter password");
}

TEST(SignInLog, ACraftedUsernameIsOneQuotedCellInTheTable) {
  TesseraProcess tessera;
  tessera.add_user("admin@example.com", "Correct-Horse-Battery-9");
  ASSERT_TRUE(tessera.start());
  ASSERT_NO_FATAL_FAILURE(fail_a_sign_in_as(tessera, kSpoofingName));

  const CommandRun run = tessera.must({"log", "sign-ins"});
  const std::vector<std::string> lines = lines_of(run.out);
  ASSERT_EQ(lines.size(), 2u) << run.out;
  EXPECT_EQ(split_on_space_runs(lines[0]).size(), 8u) << lines[0];
  const std::vector<std::string> cells = split_on_space_runs(lines[1]);
  ASSERT_EQ(cells.size(), 8u) << run.out;
  EXPECT_EQ(cells[0], format_timestamp(tessera.now()));
  EXPECT_EQ(cells[1],
            "\"admin@example.com\\x20\\x20203.0.113.9\\x20\\x20success\\x20\\x20-\\x20\\x20"
            "required\\x20\\x20trusted_ip\\x20\\x20password\\u{00a0}\\\"\\\\\"");
  EXPECT_EQ(cells[2], "127.0.0.1");
  EXPECT_EQ(cells[3], "failure");
}

TEST(SignInLog, JsonLinesGiveTheExactUsername) {
  TesseraProcess tessera;
  ASSERT_TRUE(tessera.start());
  ASSERT_NO_FATAL_FAILURE(fail_a_sign_in_as(tessera, kSpoofingName));

  const CommandRun run = tessera.must({"log", "sign-ins", "--format", "json"});
  const std::vector<std::string> lines = lines_of(run.out);
  ASSERT_EQ(lines.size(), 1u) << run.out;
  boost::system::error_code error;
  const json::value value = json::parse(lines[0], error);
  ASSERT_FALSE(error) << error.message() << ": " << lines[0];
  const json::object& entry = value.as_object();
  EXPECT_EQ(json::value_to<std::string>(entry.at("upn")), kSpoofingName);
  EXPECT_EQ(json::value_to<std::string>(entry.at("result")), "failure");
  EXPECT_EQ(json::value_to<std::string>(entry.at("client_ip")), "127.0.0.1");
  EXPECT_EQ(json::value_to<std::string>(entry.at("user_id")), "");
  EXPECT_EQ(json::value_to<std::string>(entry.at("time")), format_timestamp(tessera.now()));
  EXPECT_EQ(entry.at("time_unix").to_number<std::int64_t>(), to_unix_seconds(tessera.now()));
  EXPECT_FALSE(entry.at("mfa_required").as_bool());
  for (const char* field : {"id", "app", "failure_reason", "decided_by", "method"}) {
    EXPECT_TRUE(entry.at(field).is_string()) << field;
  }
}

}  // namespace
}  // namespace tessera::testing
