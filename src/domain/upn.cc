#include "domain/upn.h"

#include <algorithm>
#include <cctype>

namespace tessera {
namespace {

constexpr std::size_t kMaxLocalPartLength = 64;
constexpr std::size_t kMaxLabelLength = 63;

bool is_local_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '%' ||
         c == '+' || c == '-' || c == '\'';
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelLength) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

}  // namespace

Result<std::string> canonical_upn(std::string_view text) {
  text = trim(text);
  if (text.empty()) return invalid_argument("a username is required, like alice@example.com");
  if (text.size() > kMaxUpnLength) {
    return invalid_argument("a username can be at most 254 characters long");
  }
  const std::string shown(text);
  const auto at = text.find('@');
  if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) {
    return invalid_argument("'" + shown + "' is not a username like alice@example.com");
  }
  const std::string_view local = text.substr(0, at);
  const std::string_view domain = text.substr(at + 1);
  if (local.empty() || local.size() > kMaxLocalPartLength || local.front() == '.' ||
      local.back() == '.' || local.find("..") != std::string_view::npos ||
      !std::all_of(local.begin(), local.end(), is_local_char)) {
    return invalid_argument("'" + shown + "' has a name part that is not allowed before the @");
  }
  if (domain.find('.') == std::string_view::npos) {
    return invalid_argument("'" + shown + "' needs a domain with a dot after the @");
  }
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t end = domain.find('.', start);
    if (end == std::string_view::npos) end = domain.size();
    if (!valid_label(domain.substr(start, end - start))) {
      return invalid_argument("'" + shown + "' has a domain that is not allowed after the @");
    }
    start = end + 1;
  }
  std::string canonical(text);
  std::transform(canonical.begin(), canonical.end(), canonical.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return canonical;
}

}  // namespace tessera
