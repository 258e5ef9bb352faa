// Maps (method, exact path) to a handler. Build the whole table before the server starts: lookups
// are then thread-safe, and the Handler pointers a Match carries stay valid while the Router lives
// and is not modified.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "http/request.h"
#include "http/response.h"

namespace tessera {

// A handler may throw; the server turns that into a 500 and logs it. It runs on an io thread or a
// worker thread (see Dispatch), so it must be safe to call concurrently.
using Handler = std::function<Response(const Request&)>;

enum class Dispatch {
  io_thread,    // fast, non-blocking work: runs on the connection's io thread
  worker_pool,  // CPU-heavy work: runs on the server's WorkerPool
  blocking,     // waits on I/O (the database): runs on the server's blocking pool, so a disk or
                // network wait never holds a hashing thread (the WorkerPool when there is none)
  password,     // waits for a password hash (and the database): runs on the server's password
                // pool, sized with the hashing pool so that it fills exactly when hashing is
                // saturated; a flood of passwords is then refused there and never fills the
                // blocking pool that every other page needs (the blocking pool when there is none)
};

class Router {
 public:
  struct Match {
    const Handler* handler;  // points into the Router
    Dispatch dispatch;
    const Handler* busy;  // the route's answer when its pool is full; null = the server's own
    PathParams params;    // the values of the pattern's {names}, for Request::path_params
  };

  // Routes `method` on `path`: exactly that path (no trailing-slash folding), or a pattern whose
  // segments may be parameters, "/admin/users/{id}", each matching one non-empty segment (its
  // percent-decoded text, which may be any byte but '/'). An exact path wins over a pattern;
  // patterns are tried in the order added. Adding the same method and path again replaces the
  // earlier route. `busy` (optional) answers, on the io thread, a request that the route's pool
  // refused; it must be fast and should set Retry-After.
  void add(HttpMethod method, std::string path, Handler handler,
           Dispatch dispatch = Dispatch::io_thread, Handler busy = {});

  // The route for (method, path), or the response to send instead: 404 when no route has this
  // path, 405 with an Allow header when the path exists under other methods. HEAD falls back to the
  // GET route (the server drops the body).
  std::variant<Match, Response> lookup(HttpMethod method, std::string_view path) const;

 private:
  struct Route {
    HttpMethod method;
    Handler handler;
    Dispatch dispatch;
    Handler busy;
  };
  struct Pattern {
    std::string text;
    std::vector<std::string> segments;  // "{name}" for a parameter
    std::vector<Route> routes;
  };
  static void put(std::vector<Route>& routes, Route route);
  static const Route* route_for(const std::vector<Route>& routes, HttpMethod method);
  static std::variant<Match, Response> choose(const std::vector<Route>& routes, HttpMethod method,
                                              PathParams params);

  std::map<std::string, std::vector<Route>, std::less<>> routes_;
  std::vector<Pattern> patterns_;
};

}  // namespace tessera
