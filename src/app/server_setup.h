// Wires the HTTP server to the runtime: options from the configuration, the routes, the worker
// pool for password hashing. The composition root of the web side, as runtime.h is of the rest.
#pragma once

#include <memory>

#include "app/pooled_password_hashing.h"
#include "app/runtime.h"
#include "http/pages/web_context.h"
#include "http/router.h"
#include "http/server.h"
#include "http/worker_pool.h"
#include "service/sign_in_service.h"

namespace tessera {

ServerOptions server_options(const ServerConfig& config);

// Everything `tessera serve` runs. Members are declared in construction order.
class WebServer {
 public:
  explicit WebServer(Runtime& runtime);
  Status start() { return server_.start(); }
  std::uint16_t port() const { return server_.port(); }
  HttpServer& server() { return server_; }

 private:
  Runtime& runtime_;
  WorkerPool workers_;   // password hashing only: one thread per core by default
  WorkerPool blocking_;  // request handlers, which wait on the database
  PooledPasswordHashing hashing_;
  SignInService sign_in_;
  WebContext web_;
  Router router_;
  HttpServer server_;
};

}  // namespace tessera
