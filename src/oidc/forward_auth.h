// Forward auth for reverse proxies (docs/forward-auth.md), in Authelia's convention: nginx's
// auth_request asks GET /auth/verify about each request to an app behind it, passing the
// request's URL and method in X-Original-URL and X-Original-Method; tessera answers from the
// browser's session cookie:
//   200 with Remote-User / Remote-Name / Remote-Email — signed in (with MFA where a rule asks);
//   401 with Location <public_url>/signin?rd=<URL> — not signed in (or, with &acr=mfa, without
//       the MFA the host's rule requires);
//   403 — a host tessera does not vouch for ([forward_auth] allowed_hosts), so nobody is ever
//       sent back to an address tessera was not told about;
//   400 — the headers are missing or not a URL and a method.
// The sign-in behind /signin?rd= is the ordinary one (SignInFlow::continuation "rd:URL"), and
// at its end the browser goes back to URL. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "oidc/provider.h"
#include "service/session_service.h"
#include "service/sign_in_service.h"

namespace tessera {

inline constexpr std::string_view kForwardContinuation = "rd:";

struct ForwardAuthSettings {
  std::string public_url;                  // no trailing slash
  std::vector<std::string> allowed_hosts;  // lower-case host names (no port)
  std::vector<std::string> mfa_hosts;      // of those, the ones whose people must have done MFA
};

struct VerifyAnswer {
  int status = 401;
  std::string location;  // 401: where the proxy sends the browser
  std::string user;      // 200: Remote-User (the UPN), Remote-Name, Remote-Email
  std::string name;
  std::string email;
};

class ForwardAuth {
 public:
  ForwardAuth(SignInService& sign_in, SessionService& sessions, ForwardAuthSettings settings)
      : sign_in_(sign_in), sessions_(sessions), settings_(std::move(settings)) {}

  bool enabled() const { return !settings_.allowed_hosts.empty(); }
  // GET /auth/verify.
  Result<VerifyAnswer> verify(std::optional<std::string_view> original_url,
                              std::optional<std::string_view> original_method,
                              std::string_view session_token);
  // GET /signin?rd=URL[&acr=mfa]: straight back when the session does, else the sign-in pages
  // with the way back kept in the flow; an error page for a URL tessera does not vouch for.
  Result<BrowserOutcome> sign_in_for(std::string_view rd, bool mfa, std::string_view session_token,
                                     const SignInClient& client);
  // Once signed in: back to the URL (checked again), or an error page.
  BrowserOutcome resume(std::string_view continuation) const;

 private:
  // The host of `url` when it is an absolute http(s) URL to an allowed host, else empty.
  std::string allowed_host(std::string_view url) const;
  // allowed_host() of an address a browser may be sent back to: over https when tessera's own
  // public_url is (a signed-in browser is never sent to a page anyone on the path can read).
  std::string returnable_host(std::string_view url) const;
  bool needs_mfa(std::string_view host) const;
  std::string sign_in_location(std::string_view url, bool mfa) const;

  SignInService& sign_in_;
  SessionService& sessions_;
  const ForwardAuthSettings settings_;
};

}  // namespace tessera
