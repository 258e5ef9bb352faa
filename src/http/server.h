// The HTTP/1.1 server: Boost.Beast underneath (only server.cc sees it), keep-alive, size limits and
// timeouts on every phase of a request, load shedding through the WorkerPool, graceful stop.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "base/status.h"
#include "http/client_address.h"
#include "http/router.h"
#include "http/worker_pool.h"

namespace tessera {

// File descriptors HttpServer may hold beyond one per connection within max_connections: its own
// (the listening socket, epoll and wake-up descriptors), refused connections that linger to
// deliver their 503, and connections closed to make room that have not closed yet. Budget this
// much beside max_connections when fitting it under the process's file limit.
inline constexpr std::size_t kHttpServerExtraDescriptors = 96;

struct ServerOptions {
  std::string address = "127.0.0.1";           // an IPv4 or IPv6 literal, e.g. "0.0.0.0" or "::"
  std::uint16_t port = 8080;                   // 0 = any free port; see HttpServer::port()
  int io_threads = 0;                          // 0 = std::thread::hardware_concurrency()
  std::size_t header_limit_bytes = 16 * 1024;  // request line + headers; more is a 431
  std::size_t body_limit_bytes = 64 * 1024;    // more is a 413
  std::chrono::seconds header_timeout{10};     // to receive the headers once a request has begun
  std::chrono::seconds body_timeout{30};       // to receive the body, and to send a response
  std::chrono::seconds idle_timeout{60};  // a keep-alive connection waiting for its next request
  // Open connections in all; must fit under the process's file limit with room to spare.
  std::size_t max_connections = 10000;
  // Open connections from one client (an IPv4 address, an IPv6 /64); 0 = no cap. Many people can
  // share one address (NAT); a reverse proxy is one client for all of them.
  std::size_t max_connections_per_client = 256;
  // idle_timeout while the server or the client holds 3/4 of its limit or more.
  std::chrono::seconds crowded_idle_timeout{5};
  std::chrono::seconds shutdown_grace{10};  // stop() waits this long for in-flight requests
  // Peers whose X-Forwarded-For and X-Forwarded-Proto are believed (Request::client_ip, https).
  // Connection limits count TCP peers: those are known before any header is.
  TrustedProxies trusted_proxies;
};

// Connections: a new one is refused when its client holds max_connections_per_client, or when
// max_connections are open and none of them is idle; otherwise, at max_connections, the one that
// has waited longest for its next request on a kept-alive connection is closed to make room. A
// refused connection is answered 503 with Retry-After: 1 and Connection: close, then closed; it is
// not logged as a request, and the warning "http_connection_rejected" (like "http_accept_failed"
// when accept itself fails, e.g. out of file descriptors) is logged at most once every 10 s.
//
// Every response carries Content-Length (except 1xx/204/304), X-Content-Type-Options: nosniff, and
// Cache-Control: no-store unless the handler set Cache-Control; no Server header. A malformed
// request is a 400, too-large headers a 431, a too-large body a 413 (each then closes the
// connection); a throwing handler is a 500 whose details are logged, never sent. When a handler
// that runs on a pool cannot be queued, the route's busy handler answers at once on the io thread
// (see Router::add), or else the answer is a plain 503 with Retry-After: 1. Each response is
// logged as event "http_request" with method, path (never the query), status, duration_ms and
// remote (the client address), plus peer when a trusted proxy forwarded the request. Forwarded
// headers from an untrusted peer are ignored, with the warning "http_forwarded_ignored" at most
// once every 10 s.
//
// start(), stop() and wait() may be called from any thread except an io thread or a worker job.
class HttpServer {
 public:
  // The pools the handlers run on, by Dispatch. A null pool falls back: `password` to `blocking`,
  // `blocking` to `worker_pool`.
  struct Pools {
    WorkerPool& worker_pool;         // Dispatch::worker_pool
    WorkerPool* blocking = nullptr;  // Dispatch::blocking
    WorkerPool* password = nullptr;  // Dispatch::password
  };

  // `router` and the pools must outlive the server; `router` must not change once start() is
  // called.
  HttpServer(ServerOptions options, const Router& router, Pools pools);
  HttpServer(ServerOptions options, const Router& router, WorkerPool& pool,
             WorkerPool* blocking_pool = nullptr)
      : HttpServer(std::move(options), router, Pools{pool, blocking_pool}) {}
  // stop(), then waits for any of this server's jobs still in the pools to finish.
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens without accepting yet, so port() is known (with port 0) before the rest of
  // the program is wired. Fails with a message naming address:port when the address is invalid
  // or cannot be bound (e.g. the port is in use); once bound, calling it again does nothing.
  Status bind();

  // Binds (unless bind() did), listens and starts the io threads; returns once connections are
  // being accepted. Fails as bind() does, and with failed_precondition when called twice.
  Status start();

  // The port actually bound (useful with port 0); 0 before a successful bind() or start().
  std::uint16_t port() const;

  // Graceful stop: stops accepting, closes idle keep-alive connections, lets requests in flight
  // finish (each answered with Connection: close) for up to shutdown_grace, then closes the rest
  // and joins the io threads. Idempotent; returns once stopped.
  void stop();

  // Blocks until the server has stopped (returns at once if it was never started).
  void wait();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Blocks until SIGINT or SIGTERM arrives, then calls server.stop(). Errors if the signal handlers
// cannot be installed.
Status run_until_signal(HttpServer& server);

}  // namespace tessera
