// The OpenID Connect provider's endpoints (docs/oidc.md): discovery and JWKS, the authorization
// endpoint (whose sign-in is the ordinary sign-in pages), token, userinfo, introspection,
// revocation and RP-initiated logout. What each answers is decided by OidcProvider; this file
// only speaks HTTP.
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include "crypto/hmac.h"
#include "http/pages/cookies.h"
#include "http/pages/csrf.h"
#include "http/pages/page_handlers.h"
#include "oidc/base64url.h"
#include "oidc/provider.h"
#include "oidc/web_address.h"

namespace tessera {
namespace {

constexpr std::string_view kAutoSubmit = "document.getElementById(\"continue\").submit();";

// CSP hash source of the form_post page's one script.
const std::string& auto_submit_hash() {
  static const std::string hash = [] {
    const auto digest = sha256(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(kAutoSubmit.data()), kAutoSubmit.size()));
    return "'sha256-" +
           base64_encode(
               std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size())) +
           "'";
  }();
  return hash;
}

// The origin of a registered redirect URI ("https://app.example:8443"), for form-action.
// Empty for an address that is not plain http(s)://host[:port]/path.
std::string origin_of(std::string_view uri) {
  const auto parsed = boost::urls::parse_absolute_uri(uri);
  if (!parsed || web_host_of(uri).empty()) return "";
  std::string origin = std::string(parsed->scheme()) + "://" + std::string(parsed->encoded_host());
  if (parsed->has_port()) origin += ":" + std::string(parsed->port());
  return origin;
}

// The request's parameters: the query for a GET, the form for a POST (OpenID Connect Core
// §3.1.2.1 allows both).
OidcParams params_of(const Request& request) {
  return request.method == HttpMethod::post ? request.form_params() : request.query_params();
}

std::string header_or_empty(const Request& request, std::string_view name) {
  const auto value = request.header(name);
  return value ? std::string(*value) : std::string();
}

// Single-page apps call /token, /userinfo and /revoke from their own origin (fetch). Any origin
// may: these endpoints read no cookie, so a page learns nothing its own credentials don't give.
void allow_any_origin(Response& response) {
  response.set_header("Access-Control-Allow-Origin", "*");
  response.set_header("Access-Control-Expose-Headers", "WWW-Authenticate");
}

// The CORS preflight of an endpoint of allow_any_origin() (RFC 6750's Authorization header and
// a form body are not "simple").
void add_preflight(Router& router, std::string_view path, std::string_view methods) {
  router.add(
      HttpMethod::options, std::string(path),
      [methods = std::string(methods)](const Request&) -> Response {
        Response response = Response::text(204, "");
        response.set_header("Access-Control-Allow-Origin", "*");
        response.set_header("Access-Control-Allow-Methods", methods);
        response.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type");
        response.set_header("Access-Control-Max-Age", "600");
        return response;
      },
      Dispatch::io_thread);
}

Response json_response(const JsonOutcome& outcome) {
  Response response = Response::json(outcome.status, boost::json::serialize(outcome.body));
  response.set_header("Cache-Control", "no-store");
  response.set_header("Pragma", "no-cache");
  if (outcome.basic_challenge) response.set_header("WWW-Authenticate", "Basic realm=\"tessera\"");
  return response;
}

// The page of a request tessera refused; `signing_out` for the app's sign-out (/logout).
Response error_page(WebContext& context, std::string text, bool signing_out, int status = 400) {
  PageData data;
  data.set("heading", signing_out ? "We couldn't sign you out of the app"
                                  : "We couldn't sign you in to the app");
  data.set("text", std::move(text));
  return render_page(status, "message",
                     signing_out ? "Sign-out request refused" : "Sign-in request refused",
                     std::move(data), context.tenant_name);
}

PageData hidden_fields(const std::vector<std::pair<std::string, std::string>>& fields) {
  PageData list = page_list();
  for (const auto& [name, value] : fields) {
    PageData item;
    item.set("name", name);
    item.set("value", value);
    list.push_back(item);
  }
  return list;
}

SignInClient browser_of(const Request& request) {
  return SignInClient{request.client_ip, "", cookie_value(request, kDeviceCookie)};
}

}  // namespace

Response browser_response(const Request& request, WebContext& context,
                          const BrowserOutcome& outcome) {
  switch (outcome.kind) {
    case BrowserOutcome::Kind::error_page:
      return error_page(context, outcome.text, outcome.signing_out);
    case BrowserOutcome::Kind::redirect: {
      Response response = Response::redirect(outcome.location, 302);
      if (outcome.end_session) clear_cookie(response, request, kSessionCookie);
      return response;
    }
    case BrowserOutcome::Kind::form_post: {
      PageData data;
      data.set("action", outcome.location);
      data.set("fields", hidden_fields(outcome.fields));
      Response response = render_page(200, "form_post", "Returning to the app", std::move(data),
                                      context.tenant_name);
      response.set_header("Content-Security-Policy",
                          "default-src 'none'; style-src 'self'; script-src " + auto_submit_hash() +
                              "; form-action " + origin_of(outcome.location) +
                              "; frame-ancestors 'none'; base-uri 'none'");
      return response;
    }
    case BrowserOutcome::Kind::sign_in: {
      // The flow was stored with the app's request; its step URL shows where it stands.
      Response response = Response::redirect("/signin/username");
      set_cookie(response, request, kFlowCookie, outcome.page->flow_id);
      return response;
    }
    case BrowserOutcome::Kind::signed_out: {
      PageData data;
      data.set("heading", "You have signed out");
      data.set("text", "You can close this window.");
      data.set("link", "Sign in again");
      data.set("href", "/signin");
      Response response =
          render_page(200, "message", "Signed out", std::move(data), context.tenant_name);
      if (outcome.end_session) clear_cookie(response, request, kSessionCookie);
      return response;
    }
    case BrowserOutcome::Kind::confirm_sign_out: {
      PageData data;
      data.set("csrf", csrf_token(context.csrf_key, cookie_value(request, kSessionCookie)));
      data.set("tenant_name", context.tenant_name);
      std::vector<std::pair<std::string, std::string>> carried;
      for (const auto& [name, value] : params_of(request)) {
        if (name == "post_logout_redirect_uri" || name == "state" || name == "client_id" ||
            name == "id_token_hint") {
          carried.emplace_back(name, value);
        }
      }
      data.set("fields", hidden_fields(carried));
      return render_page(200, "sign_out", "Sign out?", std::move(data), context.tenant_name);
    }
  }
  return error_page(context, "Something went wrong.", outcome.signing_out, 500);
}

void add_oidc_routes(Router& router, WebContext& context) {
  if (context.oidc == nullptr) return;
  OidcProvider& oidc = *context.oidc;
  const std::string discovery = boost::json::serialize(oidc.discovery());
  router.add(
      HttpMethod::get, "/.well-known/openid-configuration",
      [discovery](const Request&) {
        Response response = Response::json(200, discovery);
        response.set_header("Cache-Control", "public, max-age=300");
        response.set_header("Access-Control-Allow-Origin", "*");
        return response;
      },
      Dispatch::io_thread);
  router.add(
      HttpMethod::get, "/jwks",
      [&oidc, &context](const Request&) -> Response {
        auto keys = oidc.jwks();
        if (!keys.ok()) return failure_page(context, keys.status());
        Response response = Response::json(200, boost::json::serialize(*keys));
        response.set_header("Content-Type", "application/jwk-set+json");
        response.set_header("Cache-Control", "public, max-age=300");
        response.set_header("Access-Control-Allow-Origin", "*");
        return response;
      },
      Dispatch::blocking);

  const Handler authorize = [&oidc, &context](const Request& request) -> Response {
    auto outcome = oidc.authorize(params_of(request), cookie_value(request, kSessionCookie),
                                  browser_of(request));
    if (!outcome.ok()) return failure_page(context, outcome.status());
    return browser_response(request, context, *outcome);
  };
  router.add(HttpMethod::get, "/authorize", authorize, Dispatch::blocking);
  router.add(HttpMethod::post, "/authorize", authorize, Dispatch::blocking);

  router.add(
      HttpMethod::post, "/token",
      [&oidc, &context](const Request& request) -> Response {
        auto outcome = oidc.token(request.form_params(), header_or_empty(request, "authorization"));
        if (!outcome.ok()) return failure_page(context, outcome.status());
        Response response = json_response(*outcome);
        allow_any_origin(response);
        return response;
      },
      Dispatch::blocking);
  add_preflight(router, "/token", "POST");
  router.add(
      HttpMethod::post, "/introspect",
      [&oidc, &context](const Request& request) -> Response {
        auto outcome =
            oidc.introspect(request.form_params(), header_or_empty(request, "authorization"));
        if (!outcome.ok()) return failure_page(context, outcome.status());
        return json_response(*outcome);
      },
      Dispatch::blocking);
  router.add(
      HttpMethod::post, "/revoke",
      [&oidc, &context](const Request& request) -> Response {
        auto outcome =
            oidc.revoke(request.form_params(), header_or_empty(request, "authorization"));
        if (!outcome.ok()) return failure_page(context, outcome.status());
        Response response = json_response(*outcome);
        allow_any_origin(response);
        return response;
      },
      Dispatch::blocking);
  add_preflight(router, "/revoke", "POST");

  // RFC 6750: the Bearer token in the Authorization header, or (POST) as access_token in the form.
  const Handler userinfo_answer = [&oidc, &context](const Request& request) -> Response {
    std::string token;
    const std::string authorization = header_or_empty(request, "authorization");
    if (authorization.size() > 7 && (authorization.compare(0, 7, "Bearer ") == 0 ||
                                     authorization.compare(0, 7, "bearer ") == 0)) {
      token = authorization.substr(7);
    } else if (authorization.empty() && request.method == HttpMethod::post) {
      token = request.form_field("access_token");
    }
    if (token.empty()) {
      Response response = Response::json(401, R"({"error":"invalid_request"})");
      response.set_header("WWW-Authenticate", "Bearer realm=\"tessera\"");
      return response;
    }
    auto info = oidc.userinfo(token);
    if (!info.ok()) {
      if (info.status().code() != ErrorCode::unauthenticated) {
        return failure_page(context, info.status());
      }
      Response response = Response::json(401, R"({"error":"invalid_token"})");
      response.set_header("WWW-Authenticate", "Bearer realm=\"tessera\", error=\"invalid_token\"");
      return response;
    }
    Response response = Response::json(200, boost::json::serialize(*info));
    response.set_header("Cache-Control", "no-store");
    return response;
  };
  const Handler userinfo = [userinfo_answer](const Request& request) -> Response {
    Response response = userinfo_answer(request);
    allow_any_origin(response);
    return response;
  };
  router.add(HttpMethod::get, "/userinfo", userinfo, Dispatch::blocking);
  router.add(HttpMethod::post, "/userinfo", userinfo, Dispatch::blocking);
  add_preflight(router, "/userinfo", "GET, POST");

  router.add(
      HttpMethod::get, "/logout",
      [&oidc, &context](const Request& request) -> Response {
        auto outcome =
            oidc.end_session(params_of(request), cookie_value(request, kSessionCookie), false);
        if (!outcome.ok()) return failure_page(context, outcome.status());
        return browser_response(request, context, *outcome);
      },
      Dispatch::blocking);
  // A POST is the confirmation page's "Sign out" (CSRF-bound to the session) or an app's form.
  router.add(
      HttpMethod::post, "/logout",
      [&oidc, &context](const Request& request) -> Response {
        const std::string session = cookie_value(request, kSessionCookie);
        const bool confirmed =
            !session.empty() && csrf_valid(context.csrf_key, session, request.form_field("csrf"));
        auto outcome = oidc.end_session(request.form_params(), session, confirmed);
        if (!outcome.ok()) return failure_page(context, outcome.status());
        return browser_response(request, context, *outcome);
      },
      Dispatch::blocking);
}

}  // namespace tessera

namespace tessera {

void allow_app_form_target(Response& response, std::string_view continuation) {
  std::string target;
  if (continuation.starts_with(kOidcContinuation)) {
    target = OidcProvider::return_address(continuation);
  } else if (continuation.starts_with(kForwardContinuation)) {
    target = std::string(continuation.substr(kForwardContinuation.size()));
  }
  const std::string origin = origin_of(target);
  if (origin.empty()) return;
  const std::optional<std::string_view> policy = response.header("Content-Security-Policy");
  if (!policy) return;
  std::string widened(*policy);
  const std::string self = "form-action 'self'";
  const std::size_t at = widened.find(self);
  if (at == std::string::npos) return;
  widened.insert(at + self.size(), " " + origin);
  response.set_header("Content-Security-Policy", std::move(widened));
}

std::optional<Response> continue_to_app(const Request& request, WebContext& context,
                                        const SignInPage& page) {
  const std::string_view continuation = page.flow.continuation;
  if (continuation.empty() || !page.session) return std::nullopt;
  if (continuation.starts_with(kOidcContinuation) && context.oidc != nullptr) {
    auto outcome = context.oidc->resume(continuation, page.session->token.view());
    if (!outcome.ok()) return failure_page(context, outcome.status());
    return browser_response(request, context, *outcome);
  }
  if (continuation.starts_with(kForwardContinuation) && context.forward_auth != nullptr) {
    return browser_response(request, context, context.forward_auth->resume(continuation));
  }
  return std::nullopt;
}

void add_forward_auth_routes(Router& router, WebContext& context) {
  if (context.forward_auth == nullptr) return;
  ForwardAuth& forward = *context.forward_auth;
  router.add(
      HttpMethod::get, "/auth/verify",
      [&forward, &context](const Request& request) -> Response {
        auto answer =
            forward.verify(request.header("x-original-url"), request.header("x-original-method"),
                           cookie_value(request, kSessionCookie));
        if (!answer.ok()) return failure_page(context, answer.status());
        Response response = Response::text(answer->status, "");
        if (answer->status == 200) {
          response.set_header("Remote-User", answer->user);
          response.set_header("Remote-Name", answer->name);
          response.set_header("Remote-Email", answer->email);
        } else if (answer->status == 401) {
          response.set_header("Location", answer->location);
        }
        return response;
      },
      Dispatch::blocking);
}

}  // namespace tessera
