// Cookies: reading the Cookie header and writing Set-Cookie with safe attributes (HttpOnly,
// SameSite=Lax, Path=/, Secure with the __Host- prefix when the request came over HTTPS).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "http/request.h"
#include "http/response.h"

namespace tessera {

inline constexpr std::string_view kFlowCookie = "tessera_flow";
inline constexpr std::string_view kSessionCookie = "tessera_session";
inline constexpr std::string_view kAddMethodCookie = "tessera_add";
inline constexpr std::string_view kStepUpCookie = "tessera_verify";
// "Don't ask again for N days": the remembered-device token, kept for N days.
inline constexpr std::string_view kDeviceCookie = "tessera_device";
inline constexpr std::string_view kResetCookie = "tessera_reset";  // "Forgot my password"'s flow

// True when the request reached us over HTTPS: tessera itself speaks plain HTTP, so only a trusted
// proxy's X-Forwarded-Proto says so ([server] trusted_proxies; Request::https).
bool request_is_https(const Request& request);

// The value of cookie `name`: over HTTPS only under its __Host- name (which no other host can
// set), otherwise only under its plain name; the first one wins. Empty when absent.
std::string cookie_value(const Request& request, std::string_view name);

// [server] cookie_domain: the session cookie is sent to `domain` and its subdomains (Domain=), so
// one sign-in covers the apps behind a forward-auth proxy; empty = this host only. Set once at
// start, before the server runs.
void share_session_cookie_with(std::string domain);

// Adds a Set-Cookie header. `expires` empty = a browser-session cookie.
void set_cookie(Response& response, const Request& request, std::string_view name,
                std::string_view value, std::optional<Timestamp> expires = std::nullopt);
void clear_cookie(Response& response, const Request& request, std::string_view name);

}  // namespace tessera
