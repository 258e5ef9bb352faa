// The small parsers and builders under the pages: cookies over HTTP and HTTPS, CSRF tokens.
#include <set>
#include <span>
#include <string>

#include <gtest/gtest.h>

#include "http/pages/cookies.h"
#include "http/pages/csrf.h"
#include "http/pages/render.h"

namespace tessera {
namespace {

// A request as the server hands it over; `https` as a trusted proxy would have said.
Request request_with(std::vector<std::pair<std::string, std::string>> headers, bool https = false) {
  Request request;
  request.headers = std::move(headers);
  request.peer_address = "127.0.0.1";
  request.client_ip = "127.0.0.1";
  request.https = https;
  return request;
}

TEST(Cookies, FindsANamedCookieAmongOthers) {
  const Request plain = request_with({{"cookie", "a=1; tessera_flow=abc; b=2"}});
  EXPECT_EQ(cookie_value(plain, kFlowCookie), "abc");
  EXPECT_EQ(cookie_value(plain, kSessionCookie), "");
  const Request split = request_with({{"cookie", "x=1"}, {"cookie", "tessera_flow=second"}});
  EXPECT_EQ(cookie_value(split, kFlowCookie), "second");
}

TEST(Cookies, OverHttpsOnlyTheHostPrefixedNameCounts) {
  // A sibling host can plant `tessera_flow` (Domain=.example.com) but never `__Host-tessera_flow`:
  // over HTTPS the planted one must not be read, even when it comes first.
  const Request planted =
      request_with({{"cookie", "tessera_flow=planted; __Host-tessera_flow=own"}}, true);
  EXPECT_EQ(cookie_value(planted, kFlowCookie), "own");
  const Request only_planted = request_with({{"cookie", "tessera_flow=planted"}}, true);
  EXPECT_EQ(cookie_value(only_planted, kFlowCookie), "");
  // Over plain HTTP there is no __Host- cookie (browsers need Secure for it).
  const Request prefixed_plain = request_with({{"cookie", "__Host-tessera_session=tok"}});
  EXPECT_EQ(cookie_value(prefixed_plain, kSessionCookie), "");
}

TEST(Cookies, HostileCookieHeadersAreBoundedAndNeverConfuseNames) {
  const Request hostile =
      request_with({{"cookie", ";;=;tessera_flowX=no; xtessera_flow=no; tessera_flow=" +
                                   std::string(5000, 'a')}});
  EXPECT_EQ(cookie_value(hostile, kFlowCookie).size(), 256u);
  const Request nothing = request_with({{"cookie", "tessera_flow"}});
  EXPECT_EQ(cookie_value(nothing, kFlowCookie), "");
}

TEST(Cookies, HttpsIsWhatTheServerDecidedNotAHeader) {
  // The server sets Request::https from a trusted proxy only (client_address_test.cc); the pages
  // never read X-Forwarded-Proto themselves.
  EXPECT_TRUE(request_is_https(request_with({}, true)));
  EXPECT_FALSE(request_is_https(request_with({{"x-forwarded-proto", "https"}})));
}

TEST(Cookies, SetCookieCarriesSafeAttributes) {
  Response response;
  set_cookie(response, request_with({}), kSessionCookie, "tok", from_unix_seconds(1'800'000'000));
  set_cookie(response, request_with({}, true), kFlowCookie, "id");
  clear_cookie(response, request_with({}), kFlowCookie);
  ASSERT_EQ(response.headers.size(), 3u);
  EXPECT_EQ(response.headers[0].second,
            "tessera_session=tok; Path=/; HttpOnly; SameSite=Lax; Expires=Fri, 15 Jan 2027 "
            "08:00:00 GMT");
  EXPECT_EQ(response.headers[1].second,
            "__Host-tessera_flow=id; Path=/; HttpOnly; SameSite=Lax; Secure");
  EXPECT_NE(response.headers[2].second.find("Max-Age=0"), std::string::npos);
}

TEST(Csrf, TokenIsBoundToItsCookieAndKey) {
  const SecretBytes key(std::vector<std::uint8_t>(32, 1));
  const SecretBytes other_key(std::vector<std::uint8_t>(32, 2));
  const std::string token = csrf_token(key, "flow-a");
  EXPECT_EQ(token.size(), 64u);
  EXPECT_TRUE(csrf_valid(key, "flow-a", token));
  EXPECT_FALSE(csrf_valid(key, "flow-b", token));
  EXPECT_FALSE(csrf_valid(other_key, "flow-a", token));
  EXPECT_FALSE(csrf_valid(key, "", csrf_token(key, "")));
  EXPECT_FALSE(csrf_valid(key, "flow-a", ""));
}

}  // namespace
}  // namespace tessera

namespace tessera {

std::span<const std::string_view> page_asset_names();  // embedded with the pages

namespace {

TEST(PageTemplates, EveryEmbeddedTemplateIsListedAndEachParses) {
  const Status checked = check_page_templates();
  EXPECT_TRUE(checked.ok()) << checked.message();
  std::set<std::string> embedded;
  for (const std::string_view name : page_asset_names()) {
    if (name.ends_with(".mustache")) embedded.insert(std::string(name.substr(0, name.size() - 9)));
  }
  std::set<std::string> listed;
  for (const std::string_view name : page_template_names())
    listed.insert(std::string(name));
  EXPECT_EQ(embedded, listed);
}

TEST(PageTemplates, AMissingOrBrokenTemplateIsNamed) {
  const std::string_view names[] = {"fine", "broken", "absent"};
  const auto source = [](std::string_view name) -> std::string_view {
    if (name == "fine") return "<p>{{text}}</p>";
    if (name == "broken") return "<p>{{#open}}never closed</p>";
    return "";
  };
  const Status broken = check_templates(names, source);
  EXPECT_EQ(broken.code(), ErrorCode::failed_precondition);
  EXPECT_NE(broken.message().find("broken.mustache does not parse"), std::string::npos)
      << broken.message();
  const Status absent = check_templates(std::span(names).subspan(2), source);
  EXPECT_NE(absent.message().find("absent.mustache is missing"), std::string::npos)
      << absent.message();
}

}  // namespace
}  // namespace tessera
