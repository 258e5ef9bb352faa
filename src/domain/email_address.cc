#include "domain/email_address.h"

#include <cstring>

#include "base/text.h"
#include "domain/policy.h"

namespace tessera {
namespace {

constexpr std::size_t kMaxAddress = 254;
constexpr std::size_t kMaxLocalPart = 64;

// RFC 5322 atext: what a dot-atom's parts are made of.
bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

bool is_dot_atom(std::string_view text) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '.') {
      if (text[i - 1] == '.') return false;
    } else if (!is_atext(text[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> email_address(std::string_view typed) {
  typed = trim_blanks(typed);
  if (typed.size() > kMaxAddress) return std::nullopt;
  const std::size_t at = typed.rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view local = typed.substr(0, at);
  if (local.size() > kMaxLocalPart || !is_dot_atom(local)) return std::nullopt;
  auto domain = normalise_domain_name(typed.substr(at + 1));
  // A plain address reaches a host on the internet: a domain with a dot in it.
  if (!domain || domain->find('.') == std::string::npos) return std::nullopt;
  return std::string(local) + "@" + *domain;
}

}  // namespace tessera
