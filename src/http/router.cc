#include "http/router.h"

#include <algorithm>
#include <utility>

namespace tessera {
namespace {

std::vector<std::string> segments_of(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t at = path.starts_with('/') ? 1 : 0;
  for (;;) {
    const std::size_t slash = path.find('/', at);
    segments.emplace_back(path.substr(at, slash - at));
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  return segments;
}

bool is_parameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::put(std::vector<Route>& routes, Route route) {
  auto existing = std::find_if(routes.begin(), routes.end(),
                               [&](const Route& r) { return r.method == route.method; });
  if (existing != routes.end()) {
    *existing = std::move(route);
  } else {
    routes.push_back(std::move(route));
  }
}

void Router::add(HttpMethod method, std::string path, Handler handler, Dispatch dispatch,
                 Handler busy) {
  Route route{method, std::move(handler), dispatch, std::move(busy)};
  if (path.find('{') == std::string::npos) {
    put(routes_[std::move(path)], std::move(route));
    return;
  }
  auto pattern = std::find_if(patterns_.begin(), patterns_.end(),
                              [&](const Pattern& p) { return p.text == path; });
  if (pattern == patterns_.end()) {
    patterns_.push_back(Pattern{path, segments_of(path), {}});
    pattern = patterns_.end() - 1;
  }
  put(pattern->routes, std::move(route));
}

const Router::Route* Router::route_for(const std::vector<Route>& routes, HttpMethod method) {
  for (const Route& route : routes) {
    if (route.method == method) return &route;
  }
  return nullptr;
}

std::variant<Router::Match, Response> Router::choose(const std::vector<Route>& routes,
                                                     HttpMethod method, PathParams params) {
  const Route* route = route_for(routes, method);
  if (route == nullptr && method == HttpMethod::head) route = route_for(routes, HttpMethod::get);
  if (route != nullptr) {
    return Match{&route->handler, route->dispatch, route->busy ? &route->busy : nullptr,
                 std::move(params)};
  }
  std::string allow;
  for (HttpMethod m : {HttpMethod::get, HttpMethod::head, HttpMethod::post, HttpMethod::put,
                       HttpMethod::patch, HttpMethod::delete_, HttpMethod::options}) {
    const bool allowed = route_for(routes, m) != nullptr ||
                         (m == HttpMethod::head && route_for(routes, HttpMethod::get));
    if (!allowed) continue;
    if (!allow.empty()) allow += ", ";
    allow += method_name(m);
  }
  Response response = Response::text(405, "method not allowed\n");
  response.set_header("Allow", std::move(allow));
  return response;
}

std::variant<Router::Match, Response> Router::lookup(HttpMethod method,
                                                     std::string_view path) const {
  if (auto found = routes_.find(path); found != routes_.end()) {
    return choose(found->second, method, {});
  }
  if (!patterns_.empty()) {
    const std::vector<std::string> segments = segments_of(path);
    for (const Pattern& pattern : patterns_) {
      if (pattern.segments.size() != segments.size()) continue;
      PathParams params;
      bool matches = true;
      for (std::size_t i = 0; i < segments.size() && matches; ++i) {
        const std::string& wanted = pattern.segments[i];
        if (is_parameter(wanted)) {
          matches = !segments[i].empty();
          params.emplace_back(wanted.substr(1, wanted.size() - 2), segments[i]);
        } else {
          matches = wanted == segments[i];
        }
      }
      if (matches) return choose(pattern.routes, method, std::move(params));
    }
  }
  return Response::text(404, "not found\n");
}

}  // namespace tessera
