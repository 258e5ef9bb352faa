#include "http/request.h"

#include <gtest/gtest.h>

#include "http/response.h"
#include "http/router.h"

namespace tessera {
namespace {

TEST(Urlencoded, ParseUrlencodedDecodesPlusAndPercent) {
  auto params = parse_urlencoded("name=Ada+Lovelace&path=%2Fhome%2f&empty=&flag&&bad=%zz%4");
  EXPECT_EQ(params["name"], "Ada Lovelace");
  EXPECT_EQ(params["path"], "/home/");
  EXPECT_EQ(params["empty"], "");
  EXPECT_EQ(params["flag"], "");
  EXPECT_EQ(params["bad"], "%zz%4");
  EXPECT_EQ(params.size(), 5u);
}

TEST(Urlencoded, FirstOccurrenceOfARepeatedNameWins) {
  EXPECT_EQ(parse_urlencoded("a=1&a=2")["a"], "1");
}

TEST(Urlencoded, PercentDecodeKeepsPlusInPaths) {
  EXPECT_EQ(percent_decode("/a+b%20c"), "/a+b c");
  EXPECT_EQ(percent_decode("100%"), "100%");
}

TEST(RequestValue, FormParamsNeedTheFormContentType) {
  Request request;
  request.body = "code=123456";
  EXPECT_TRUE(request.form_params().empty());
  request.headers.emplace_back("content-type", "application/x-www-form-urlencoded; charset=UTF-8");
  EXPECT_EQ(request.form_params()["code"], "123456");
  EXPECT_EQ(request.header("content-type").value_or(""),
            "application/x-www-form-urlencoded; charset=UTF-8");
  EXPECT_FALSE(request.header("accept").has_value());
}

TEST(RequestValue, QueryParamsComeFromTheQuery) {
  Request request;
  request.query = "next=%2Fhome&x=1";
  EXPECT_EQ(request.query_params()["next"], "/home");
}

TEST(ResponseValue, SetHeaderReplacesCaseInsensitively) {
  Response response = Response::text(200, "hi");
  response.set_header("content-type", "text/csv");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.header("Content-Type").value_or(""), "text/csv");
}

TEST(ResponseValue, RedirectIsA303WithLocation) {
  Response response = Response::redirect("/signin");
  EXPECT_EQ(response.status, 303);
  EXPECT_EQ(response.header("location").value_or(""), "/signin");
}

TEST(RouterLookup, HeadFallsBackToGetAndAllowListsBoth) {
  Router router;
  router.add(HttpMethod::get, "/x", [](const Request&) { return Response::text(200, "x"); });
  EXPECT_TRUE(std::holds_alternative<Router::Match>(router.lookup(HttpMethod::head, "/x")));
  auto refused = router.lookup(HttpMethod::post, "/x");
  ASSERT_TRUE(std::holds_alternative<Response>(refused));
  EXPECT_EQ(std::get<Response>(refused).status, 405);
  EXPECT_EQ(std::get<Response>(refused).header("Allow").value_or(""), "GET, HEAD");
  auto missing = router.lookup(HttpMethod::get, "/y");
  ASSERT_TRUE(std::holds_alternative<Response>(missing));
  EXPECT_EQ(std::get<Response>(missing).status, 404);
}

}  // namespace
}  // namespace tessera
