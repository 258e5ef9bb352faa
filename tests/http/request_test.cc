#include "http/request.h"

#include <gtest/gtest.h>

#include "http/response.h"
#include "http/router.h"

namespace tessera {
namespace {

TEST(Urlencoded, ParseUrlencodedDecodesPlusAndPercent) {
  auto params =
      parse_urlencoded("name=Ada+Lovelace&path=%2Fhome%2f&empty=&flag&&=nameless&q=a%2Bb");
  EXPECT_EQ(params["name"], "Ada Lovelace");
  EXPECT_EQ(params["path"], "/home/");
  EXPECT_EQ(params["empty"], "");
  EXPECT_EQ(params["flag"], "");
  EXPECT_EQ(params["q"], "a+b");
  EXPECT_EQ(params.size(), 5u);
}

TEST(Urlencoded, AMalformedFormGivesNothingRatherThanHalf) {
  EXPECT_TRUE(parse_urlencoded("code=123456&bad=%zz").empty());
  EXPECT_TRUE(parse_urlencoded("code=123456&bad=%4").empty());
  EXPECT_TRUE(parse_urlencoded("code=12 3456").empty());
  EXPECT_TRUE(parse_urlencoded("").empty());
  // Any byte may arrive encoded.
  EXPECT_EQ(parse_urlencoded("x=%00%FF")["x"], std::string("\0\xff", 2));
}

TEST(Urlencoded, FirstOccurrenceOfARepeatedNameWins) {
  EXPECT_EQ(parse_urlencoded("a=1&a=2")["a"], "1");
}

TEST(Urlencoded, PercentDecodeKeepsPlusInPaths) {
  EXPECT_EQ(percent_decode("/a+b%20c"), "/a+b c");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("/a%41%zz"), "/a%41%zz");
  EXPECT_EQ(percent_decode("/%00%ff"), std::string("/\0\xff", 3));
}

TEST(RequestValue, FormParamsNeedTheFormContentType) {
  Request plain;
  plain.body = "code=123456";
  EXPECT_TRUE(plain.form_params().empty());
  Request form;
  form.body = "code=123456";
  form.headers.emplace_back("content-type", "application/x-www-form-urlencoded; charset=UTF-8");
  EXPECT_EQ(form.form_params().at("code"), "123456");
  EXPECT_EQ(form.form_field("code"), "123456");
  EXPECT_EQ(form.form_field("other"), "");
  EXPECT_EQ(form.header("content-type").value_or(""),
            "application/x-www-form-urlencoded; charset=UTF-8");
  EXPECT_FALSE(form.header("accept").has_value());
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

TEST(RouterLookup, PatternsBindTheirParametersAndExactPathsWin) {
  Router router;
  router.add(HttpMethod::get, "/admin/users/{id}", [](const Request&) { return Response(); });
  router.add(HttpMethod::post, "/admin/users/{id}/methods/{method}",
             [](const Request&) { return Response(); });
  router.add(
      HttpMethod::get, "/admin/users/new", [](const Request&) { return Response(); },
      Dispatch::blocking);

  auto user = router.lookup(HttpMethod::get, "/admin/users/u-42");
  ASSERT_TRUE(std::holds_alternative<Router::Match>(user));
  EXPECT_EQ(std::get<Router::Match>(user).params, (PathParams{{"id", "u-42"}}));
  auto exact = router.lookup(HttpMethod::get, "/admin/users/new");
  ASSERT_TRUE(std::holds_alternative<Router::Match>(exact));
  EXPECT_EQ(std::get<Router::Match>(exact).dispatch, Dispatch::blocking);
  EXPECT_TRUE(std::get<Router::Match>(exact).params.empty());
  auto nested = router.lookup(HttpMethod::post, "/admin/users/u-1/methods/m 2");
  ASSERT_TRUE(std::holds_alternative<Router::Match>(nested));
  EXPECT_EQ(std::get<Router::Match>(nested).params, (PathParams{{"id", "u-1"}, {"method", "m 2"}}));

  // A parameter is one non-empty segment; the method still counts.
  for (const char* path : {"/admin/users/", "/admin/users", "/admin/users/a/b"}) {
    auto missing = router.lookup(HttpMethod::get, path);
    ASSERT_TRUE(std::holds_alternative<Response>(missing)) << path;
    EXPECT_EQ(std::get<Response>(missing).status, 404) << path;
  }
  auto wrong = router.lookup(HttpMethod::delete_, "/admin/users/u-42");
  ASSERT_TRUE(std::holds_alternative<Response>(wrong));
  EXPECT_EQ(std::get<Response>(wrong).status, 405);
  EXPECT_EQ(std::get<Response>(wrong).header("Allow").value_or(""), "GET, HEAD");
}

TEST(RequestValue, PathParamsAreFoundByName) {
  Request request;
  request.path_params = {{"id", "u-42"}};
  EXPECT_EQ(request.path_param("id"), "u-42");
  EXPECT_EQ(request.path_param("other"), "");
}

}  // namespace
}  // namespace tessera
