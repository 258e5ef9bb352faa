#include "oidc/forward_auth.h"

#include <algorithm>

#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

#include "oidc/web_address.h"

namespace tessera {
namespace {

constexpr std::size_t kMaxOriginalUrlLength = 4096;
constexpr std::size_t kMaxMethodLength = 16;

// An HTTP method is a token (RFC 9110 §9.1); upper-case letters are all real ones use.
bool is_method(std::string_view method) {
  return !method.empty() && method.size() <= kMaxMethodLength &&
         std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool contains(const std::vector<std::string>& list, std::string_view item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

// A header value: no control characters, whatever a display name holds.
std::string header_safe(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out.push_back(c);
  }
  return out;
}

}  // namespace

std::string ForwardAuth::allowed_host(std::string_view url) const {
  if (url.empty() || url.size() > kMaxOriginalUrlLength) return "";
  const std::string host = web_host_of(url);
  if (host.empty() || !contains(settings_.allowed_hosts, host)) return "";
  return host;
}

std::string ForwardAuth::returnable_host(std::string_view url) const {
  const bool https_only = settings_.public_url.starts_with("https://");
  if (https_only && !url.starts_with("https://")) return "";
  return allowed_host(url);
}

bool ForwardAuth::needs_mfa(std::string_view host) const {
  return contains(settings_.mfa_hosts, host);
}

std::string ForwardAuth::sign_in_location(std::string_view url, bool mfa) const {
  std::string location = settings_.public_url +
                         "/signin?rd=" + boost::urls::encode(url, boost::urls::unreserved_chars);
  if (mfa) location += "&acr=mfa";
  return location;
}

Result<VerifyAnswer> ForwardAuth::verify(std::optional<std::string_view> original_url,
                                         std::optional<std::string_view> original_method,
                                         std::string_view session_token) {
  VerifyAnswer answer;
  if (!original_url || !original_method || !is_method(*original_method) ||
      original_url->size() > kMaxOriginalUrlLength ||
      !boost::urls::parse_absolute_uri(*original_url)) {
    answer.status = 400;
    return answer;
  }
  const std::string host = allowed_host(*original_url);
  if (host.empty()) {
    answer.status = 403;
    return answer;
  }
  const bool mfa = needs_mfa(host);
  std::optional<User> user;
  if (!session_token.empty()) {
    auto session = sessions_.find(session_token);
    if (session.ok()) {
      auto owner = sessions_.user_of(*session);
      if (owner.ok() && (!mfa || acr_of(session->amr) == kAcrMfa)) {
        user = std::move(owner).value();
      } else if (!owner.ok() && owner.status().code() != ErrorCode::unauthenticated &&
                 owner.status().code() != ErrorCode::not_found) {
        return owner.status();
      }
    } else if (session.status().code() != ErrorCode::unauthenticated &&
               session.status().code() != ErrorCode::not_found) {
      return session.status();
    }
  }
  if (!user) {
    answer.status = 401;
    answer.location = sign_in_location(*original_url, mfa);
    return answer;
  }
  answer.status = 200;
  answer.user = header_safe(user->upn);
  answer.name = header_safe(user->display_name);
  answer.email = answer.user;
  return answer;
}

Result<BrowserOutcome> ForwardAuth::sign_in_for(std::string_view rd, bool mfa,
                                                std::string_view session_token,
                                                const SignInClient& client) {
  const std::string host = returnable_host(rd);
  if (host.empty()) {
    BrowserOutcome page;
    page.kind = BrowserOutcome::Kind::error_page;
    page.text = "The address you were sent back to is not one this sign-in service protects.";
    return page;
  }
  mfa = mfa || needs_mfa(host);
  if (!session_token.empty()) {
    auto session = sessions_.find(session_token);
    if (session.ok() && sessions_.user_of(*session).ok() &&
        (!mfa || acr_of(session->amr) == kAcrMfa)) {
      return resume(std::string(kForwardContinuation) + std::string(rd));
    }
  }
  AppSignIn app{std::string(kForwardContinuation) + std::string(rd), host, mfa, ""};
  SignInClient signing_in = client;
  signing_in.app = host;
  TESSERA_ASSIGN_OR_RETURN(SignInPage started, sign_in_.start_for_app(app, signing_in));
  BrowserOutcome out;
  out.kind = BrowserOutcome::Kind::sign_in;
  out.page = std::move(started);
  return out;
}

BrowserOutcome ForwardAuth::resume(std::string_view continuation) const {
  BrowserOutcome out;
  out.kind = BrowserOutcome::Kind::error_page;
  out.text = "The address you were sent back to is not one this sign-in service protects.";
  if (continuation.substr(0, kForwardContinuation.size()) != kForwardContinuation) return out;
  const std::string_view url = continuation.substr(kForwardContinuation.size());
  if (returnable_host(url).empty()) return out;
  out.kind = BrowserOutcome::Kind::redirect;
  out.location = std::string(url);
  return out;
}

}  // namespace tessera
