#include "http/router.h"

#include <algorithm>
#include <utility>

namespace tessera {

void Router::add(HttpMethod method, std::string path, Handler handler, Dispatch dispatch,
                 Handler busy) {
  std::vector<Route>& routes = routes_[std::move(path)];
  auto existing = std::find_if(routes.begin(), routes.end(),
                               [&](const Route& r) { return r.method == method; });
  Route route{method, std::move(handler), dispatch, std::move(busy)};
  if (existing != routes.end()) {
    *existing = std::move(route);
  } else {
    routes.push_back(std::move(route));
  }
}

std::variant<Router::Match, Response> Router::lookup(HttpMethod method,
                                                     std::string_view path) const {
  auto found = routes_.find(path);
  if (found == routes_.end()) return Response::text(404, "not found\n");
  const std::vector<Route>& routes = found->second;
  auto route_for = [&](HttpMethod m) -> const Route* {
    for (const Route& route : routes) {
      if (route.method == m) return &route;
    }
    return nullptr;
  };
  const Route* route = route_for(method);
  if (route == nullptr && method == HttpMethod::head) route = route_for(HttpMethod::get);
  if (route != nullptr) {
    return Match{&route->handler, route->dispatch, route->busy ? &route->busy : nullptr};
  }

  std::string allow;
  for (HttpMethod m : {HttpMethod::get, HttpMethod::head, HttpMethod::post, HttpMethod::put,
                       HttpMethod::patch, HttpMethod::delete_, HttpMethod::options}) {
    bool allowed = route_for(m) != nullptr || (m == HttpMethod::head && route_for(HttpMethod::get));
    if (!allowed) continue;
    if (!allow.empty()) allow += ", ";
    allow += method_name(m);
  }
  Response response = Response::text(405, "method not allowed\n");
  response.set_header("Allow", std::move(allow));
  return response;
}

}  // namespace tessera
