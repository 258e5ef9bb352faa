#include "http/server.h"

#include <atomic>
#include <future>
#include <latch>
#include <memory>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "http/health.h"
#include "support/http_client.h"

namespace tessera {
namespace {

using testing::ClientResponse;
using testing::fetch;
using testing::make_request;
using testing::TestConnection;

ServerOptions test_options() {
  ServerOptions options;
  options.port = 0;
  options.io_threads = 2;
  options.shutdown_grace = std::chrono::seconds(5);
  return options;
}

// Opens a latch when the test ends, however it ends, so a handler waiting on it cannot keep the
// pools from stopping after a failed assertion.
class OpensAtExit {
 public:
  explicit OpensAtExit(std::latch& latch) : latch_(latch) {}
  ~OpensAtExit() {
    if (!latch_.try_wait()) latch_.count_down();
  }

 private:
  std::latch& latch_;
};

// A server on a free port with the routes a test adds before start().
class HttpServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = test_options(), int worker_threads = 2,
             std::size_t queue_limit = 16) {
    pool_ = std::make_unique<WorkerPool>(worker_threads, queue_limit);
    server_ = std::make_unique<HttpServer>(options, router_, *pool_);
    Status status = server_->start();
    ASSERT_TRUE(status.ok()) << status.to_string();
    ASSERT_NE(server_->port(), 0);
  }
  std::uint16_t port() const { return server_->port(); }

  void TearDown() override {
    server_.reset();
    pool_.reset();
  }

  Router router_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, HealthReportsOkAndUnavailableWithoutTheReason) {
  std::atomic<bool> healthy{true};
  HealthProbe probe(
      [&]() -> Status {
        if (healthy) return Status::ok_status();
        return unavailable("could not connect to server \"db.internal\" port 5432");
      },
      std::chrono::seconds(30));
  add_health_route(router_, probe);
  start();

  auto ok = fetch(port(), "GET", "/healthz");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, R"({"status":"ok"})");
  EXPECT_EQ(ok->header("content-type"), "application/json");
  EXPECT_EQ(ok->header("cache-control"), "no-store");
  EXPECT_EQ(ok->header("x-content-type-options"), "nosniff");
  EXPECT_EQ(ok->header("server"), "");

  healthy = false;
  auto down = fetch(port(), "GET", "/healthz");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 503);
  EXPECT_EQ(down->body, R"({"status":"unavailable"})");
  EXPECT_EQ(down->header("retry-after"), "5");
}

TEST_F(HttpServerTest, UnknownPathIs404) {
  start();
  auto response = fetch(port(), "GET", "/nowhere?code=123456");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllow) {
  router_.add(HttpMethod::get, "/page", [](const Request&) { return Response::text(200, "page"); });
  router_.add(HttpMethod::post, "/page",
              [](const Request&) { return Response::text(200, "posted"); });
  start();
  auto response = fetch(port(), "DELETE", "/page");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->header("allow"), "GET, HEAD, POST");
}

TEST_F(HttpServerTest, HeadOmitsBody) {
  router_.add(HttpMethod::get, "/page",
              [](const Request&) { return Response::text(200, "hello"); });
  start();
  TestConnection connection(port());
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.send(make_request("HEAD", "/page")));
  auto head = connection.read_response(/*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), "5");
  // Had the server sent a body, it would be read here as the start of the next response.
  ASSERT_TRUE(connection.send(make_request("GET", "/page")));
  auto get = connection.read_response();
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "hello");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  router_.add(HttpMethod::post, "/echo", [](const Request& request) {
    return Response::text(200, request.form_field("word") + "|" + request.query_params()["n"] +
                                   "|" + request.path + "|" + request.peer_address);
  });
  start();
  TestConnection connection(port());
  ASSERT_TRUE(connection.connected());
  for (int i = 0; i < 3; ++i) {
    std::string n = std::to_string(i);
    ASSERT_TRUE(connection.send(make_request("POST", "/echo?n=" + n,
                                             "Content-Type: application/x-www-form-urlencoded\r\n",
                                             "word=hi+there")));
    auto response = connection.read_response();
    ASSERT_TRUE(response) << "request " << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "hi there|" + n + "|/echo|127.0.0.1");
    EXPECT_NE(response->header("connection"), "close");
  }
}

TEST_F(HttpServerTest, OversizedHeadersAre431) {
  ServerOptions options = test_options();
  options.header_limit_bytes = 1024;
  router_.add(HttpMethod::get, "/", [](const Request&) { return Response::text(200, "ok"); });
  start(options);
  TestConnection connection(port());
  ASSERT_TRUE(
      connection.send(make_request("GET", "/", "X-Fill: " + std::string(4000, 'a') + "\r\n")));
  auto response = connection.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
  EXPECT_TRUE(connection.closed_by_server(std::chrono::seconds(5)));
}

TEST_F(HttpServerTest, OversizedBodyIs413) {
  ServerOptions options = test_options();
  options.body_limit_bytes = 16;
  router_.add(HttpMethod::post, "/", [](const Request&) { return Response::text(200, "ok"); });
  start(options);
  TestConnection connection(port());
  ASSERT_TRUE(connection.send(make_request("POST", "/", "", std::string(1000, 'b'))));
  auto response = connection.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(connection.closed_by_server(std::chrono::seconds(5)));
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  start();
  TestConnection connection(port());
  ASSERT_TRUE(connection.send("GET / HTTP/1.1\r\nHost: x\r\nthis line has no colon\r\n\r\n"));
  auto response = connection.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->header("connection"), "close");
  EXPECT_TRUE(connection.closed_by_server(std::chrono::seconds(5)));
}

TEST_F(HttpServerTest, HandlerExceptionIs500) {
  router_.add(HttpMethod::get, "/boom", [](const Request&) -> Response {
    throw std::runtime_error("secret internal detail");
  });
  start();
  auto response = fetch(port(), "GET", "/boom");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body.find("secret"), std::string::npos);
}

TEST_F(HttpServerTest, WorkerPoolHandlerRuns) {
  std::atomic<std::thread::id> handler_thread;
  router_.add(
      HttpMethod::get, "/work",
      [&](const Request& request) {
        handler_thread = std::this_thread::get_id();
        return Response::json(201, R"({"q":")" + request.query + "\"}");
      },
      Dispatch::worker_pool);
  router_.add(
      HttpMethod::get, "/fail",
      [](const Request&) -> Response { throw std::runtime_error("nope"); }, Dispatch::worker_pool);
  start();
  TestConnection connection(port());
  ASSERT_TRUE(connection.send(make_request("GET", "/work?a=1")));
  auto response = connection.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, R"({"q":"a=1"})");
  EXPECT_NE(handler_thread.load(), std::this_thread::get_id());
  ASSERT_TRUE(connection.send(make_request("GET", "/fail")));
  auto failed = connection.read_response();
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->status, 500);
}

TEST_F(HttpServerTest, FullWorkerPoolAnswers503WithRetryAfter) {
  std::latch started(1);
  std::latch release(1);
  router_.add(
      HttpMethod::get, "/slow",
      [&](const Request&) {
        started.count_down();
        release.wait();
        return Response::text(200, "slow");
      },
      Dispatch::worker_pool);
  start(test_options(), /*worker_threads=*/1, /*queue_limit=*/0);

  TestConnection busy(port());
  ASSERT_TRUE(busy.send(make_request("GET", "/slow")));
  started.wait();

  auto refused = fetch(port(), "GET", "/slow");
  release.count_down();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->header("retry-after"), "1");

  auto served = busy.read_response();
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  EXPECT_EQ(served->body, "slow");
}

TEST_F(HttpServerTest, FullPoolAnswersWithTheRoutesBusyHandlerOnTheIoThread) {
  std::latch started(1);
  std::latch release(1);
  OpensAtExit open_release(release);
  std::atomic<std::thread::id> busy_thread;
  router_.add(
      HttpMethod::post, "/slow",
      [&](const Request&) {
        started.count_down();
        release.wait();
        return Response::text(200, "slow");
      },
      Dispatch::worker_pool,
      [&](const Request& request) {
        busy_thread = std::this_thread::get_id();
        Response busy = Response::html(503, "<h1>Busy</h1>" + request.path);
        busy.set_header("Retry-After", "5");
        return busy;
      });
  start(test_options(), /*worker_threads=*/1, /*queue_limit=*/0);

  TestConnection first(port());
  ASSERT_TRUE(first.send(make_request("POST", "/slow", "", "x=1")));
  started.wait();
  TestConnection second(port());
  ASSERT_TRUE(second.send(make_request("POST", "/slow", "", "x=2")));
  auto refused = second.read_response();
  release.count_down();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(refused->header("retry-after"), "5");
  EXPECT_EQ(refused->body, "<h1>Busy</h1>/slow");
  EXPECT_NE(busy_thread.load(), std::thread::id());
  EXPECT_NE(busy_thread.load(), std::this_thread::get_id());
  auto served = first.read_response();
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
}

TEST_F(HttpServerTest, PasswordRoutesHaveTheirOwnPoolSoTheyCannotFillTheBlockingOne) {
  std::latch started(1);
  std::latch release(1);
  router_.add(
      HttpMethod::post, "/signin/password",
      [&](const Request&) {
        started.count_down();
        release.wait();
        return Response::text(200, "checked");
      },
      Dispatch::password,
      [](const Request&) {
        Response busy = Response::html(503, "busy");
        busy.set_header("Retry-After", "5");
        return busy;
      });
  router_.add(
      HttpMethod::get, "/page", [](const Request&) { return Response::text(200, "page"); },
      Dispatch::blocking);
  WorkerPool workers(1, 0);
  WorkerPool blocking(1, 0);
  WorkerPool passwords(1, 0);
  OpensAtExit open_release(release);  // after the pools: opens before they stop
  server_ = std::make_unique<HttpServer>(test_options(), router_,
                                         HttpServer::Pools{workers, &blocking, &passwords});
  ASSERT_TRUE(server_->start().ok());

  // One password request fills its pool; the next is refused with the route's busy answer...
  TestConnection holding(port());
  ASSERT_TRUE(holding.send(make_request("POST", "/signin/password", "", "p=1")));
  started.wait();
  auto refused = fetch(port(), "POST", "/signin/password");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->body, "busy");
  // ...while a page on the blocking pool, with no thread to spare, is served meanwhile.
  auto page = fetch(port(), "GET", "/page");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, "page");
  release.count_down();
  auto checked = holding.read_response();
  ASSERT_TRUE(checked);
  EXPECT_EQ(checked->body, "checked");
  server_.reset();
}

TEST_F(HttpServerTest, StopFinishesInFlightRequest) {
  std::latch started(1);
  std::latch release(1);
  router_.add(HttpMethod::get, "/slow", [&](const Request&) {
    started.count_down();
    release.wait();
    return Response::text(200, "done");
  });
  start();
  TestConnection idle(port());
  ASSERT_TRUE(idle.send(make_request("GET", "/nothing")));
  ASSERT_TRUE(idle.read_response());  // now an idle keep-alive connection

  TestConnection in_flight(port());
  ASSERT_TRUE(in_flight.send(make_request("GET", "/slow")));
  started.wait();
  auto stopped = std::async(std::launch::async, [&] { server_->stop(); });
  EXPECT_TRUE(idle.closed_by_server(std::chrono::seconds(5)));
  release.count_down();

  auto response = in_flight.read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "done");
  EXPECT_EQ(response->header("connection"), "close");
  stopped.get();
  EXPECT_FALSE(fetch(port(), "GET", "/slow"));
}

TEST_F(HttpServerTest, IdleConnectionTimesOut) {
  ServerOptions options = test_options();
  options.header_timeout = std::chrono::seconds(1);
  options.idle_timeout = std::chrono::seconds(1);
  router_.add(HttpMethod::get, "/", [](const Request&) { return Response::text(200, "ok"); });
  start(options);

  TestConnection kept_alive(port());
  ASSERT_TRUE(kept_alive.send(make_request("GET", "/")));
  ASSERT_TRUE(kept_alive.read_response());
  auto began = std::chrono::steady_clock::now();
  EXPECT_TRUE(kept_alive.closed_by_server(std::chrono::seconds(5)));
  EXPECT_GE(std::chrono::steady_clock::now() - began, std::chrono::milliseconds(500));

  TestConnection silent(port());
  ASSERT_TRUE(silent.connected());
  EXPECT_TRUE(silent.closed_by_server(std::chrono::seconds(5)));
}

TEST_F(HttpServerTest, BindingAPortInUseFails) {
  start();
  ServerOptions options = test_options();
  options.port = port();
  WorkerPool pool(1, 1);
  HttpServer second(options, router_, pool);
  Status status = second.start();
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("127.0.0.1:" + std::to_string(port())), std::string::npos)
      << status.message();
}

// A refused connection: 503 with Retry-After and Connection: close, then closed by the server.
void expect_refused(TestConnection& connection) {
  auto response = connection.read_response();
  ASSERT_TRUE(response) << (connection.reset() ? "reset" : "no answer");
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->header("retry-after"), "1");
  EXPECT_EQ(response->header("connection"), "close");
  EXPECT_TRUE(connection.closed_by_server(std::chrono::seconds(5)));
}

TEST_F(HttpServerTest, ConnectionsOverTheLimitGet503AndAreClosed) {
  ServerOptions options = test_options();
  options.max_connections = 1;
  router_.add(HttpMethod::get, "/", [](const Request&) { return Response::text(200, "ok"); });
  start(options);
  TestConnection first(port());  // silent: not kept alive yet, so it cannot make room
  ASSERT_TRUE(first.connected());
  TestConnection second(port());
  expect_refused(second);
  ASSERT_TRUE(first.send(make_request("GET", "/")));
  auto served = first.read_response();
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
}

TEST_F(HttpServerTest, AtTheLimitAnIdleKeptAliveConnectionMakesRoom) {
  ServerOptions options = test_options();
  options.max_connections = 1;
  router_.add(HttpMethod::get, "/", [](const Request&) { return Response::text(200, "ok"); });
  start(options);
  TestConnection idle(port());
  ASSERT_TRUE(idle.send(make_request("GET", "/")));
  ASSERT_TRUE(idle.read_response());  // now kept alive, waiting for its next request

  TestConnection newcomer(port());
  ASSERT_TRUE(newcomer.send(make_request("GET", "/")));
  auto served = newcomer.read_response();
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  EXPECT_TRUE(idle.closed_by_server(std::chrono::seconds(5)));
}

TEST_F(HttpServerTest, OneClientCannotTakeEveryConnection) {
  ServerOptions options = test_options();
  options.max_connections_per_client = 2;
  router_.add(HttpMethod::get, "/",
              [](const Request& request) { return Response::text(200, request.peer_address); });
  start(options);
  TestConnection first(port(), std::chrono::seconds(10), "127.0.0.1");
  TestConnection second(port(), std::chrono::seconds(10), "127.0.0.1");
  ASSERT_TRUE(first.connected() && second.connected());
  TestConnection third(port(), std::chrono::seconds(10), "127.0.0.1");
  expect_refused(third);

  TestConnection other(port(), std::chrono::seconds(10), "127.0.0.2");
  ASSERT_TRUE(other.send(make_request("GET", "/")));
  auto served = other.read_response();
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
  EXPECT_EQ(served->body, "127.0.0.2");
}

TEST_F(HttpServerTest, KeepAliveIsShortWhenConnectionsAreScarce) {
  ServerOptions options = test_options();
  options.max_connections = 4;
  options.header_timeout = std::chrono::seconds(60);
  options.idle_timeout = std::chrono::seconds(60);
  options.crowded_idle_timeout = std::chrono::seconds(1);
  router_.add(HttpMethod::get, "/", [](const Request&) { return Response::text(200, "ok"); });
  start(options);
  TestConnection silent1(port());
  TestConnection silent2(port());
  ASSERT_TRUE(silent1.connected() && silent2.connected());
  // Three of four connections open: this one is kept alive for crowded_idle_timeout, not 60 s.
  TestConnection kept_alive(port());
  ASSERT_TRUE(kept_alive.send(make_request("GET", "/")));
  ASSERT_TRUE(kept_alive.read_response());
  EXPECT_TRUE(kept_alive.closed_by_server(std::chrono::seconds(20)));
}

}  // namespace
}  // namespace tessera
