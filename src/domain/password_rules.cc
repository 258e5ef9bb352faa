#include "domain/password_rules.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <unordered_set>

namespace tessera {

// Generated from data/common-passwords.txt by cmake/EmbedFiles.cmake.
std::string_view common_passwords_file(std::string_view name);

namespace {

constexpr std::string_view kServiceName = "tessera";

// Number of code points, or nullopt when `text` is not valid UTF-8.
std::optional<std::size_t> utf8_length(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t width = lead < 0x80           ? 1
                        : (lead >> 5) == 0x6  ? 2
                        : (lead >> 4) == 0xe  ? 3
                        : (lead >> 3) == 0x1e ? 4
                                              : 0;
    if (width == 0 || i + width > text.size()) return std::nullopt;
    for (std::size_t k = 1; k < width; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) return std::nullopt;
    }
    i += width;
    ++count;
  }
  return count;
}

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

const std::unordered_set<std::string_view>& common_passwords() {
  // Views into the embedded file, which lives for the whole program.
  static const std::unordered_set<std::string_view> set = [] {
    std::unordered_set<std::string_view> entries;
    const std::string_view file = common_passwords_file("common-passwords.txt");
    entries.reserve(25000);
    std::size_t start = 0;
    while (start < file.size()) {
      std::size_t end = file.find('\n', start);
      if (end == std::string_view::npos) end = file.size();
      if (end > start) entries.insert(file.substr(start, end - start));
      start = end + 1;
    }
    return entries;
  }();
  return set;
}

}  // namespace

bool is_common_password(std::string_view password) {
  std::string lower = ascii_lower(password);
  const bool found = common_passwords().contains(lower);
  std::fill(lower.begin(), lower.end(), '\0');
  return found;
}

std::size_t common_password_count() {
  return common_passwords().size();
}

std::optional<PasswordRefusal> password_refusal(std::string_view password,
                                                const PasswordContext& context) {
  const auto length = utf8_length(password);
  if (!length) return PasswordRefusal::not_text;
  if (*length < kMinPasswordLength) return PasswordRefusal::too_short;
  if (*length > kMaxPasswordLength) return PasswordRefusal::too_long;
  if (is_common_password(password)) return PasswordRefusal::common;
  const std::string lower = ascii_lower(password);
  const std::string upn = ascii_lower(context.upn);
  const std::string local_part = upn.substr(0, upn.find('@'));
  const std::string display_name = ascii_lower(context.display_name);
  if ((!upn.empty() && (lower == upn || lower == local_part)) ||
      (!display_name.empty() && lower == display_name) || lower == kServiceName) {
    return PasswordRefusal::names_you;
  }
  return std::nullopt;
}

Status check_new_password(std::string_view password, const PasswordContext& context) {
  const auto refusal = password_refusal(password, context);
  if (!refusal) return Status();
  switch (*refusal) {
    case PasswordRefusal::not_text:
      return invalid_argument("the password contains characters that are not allowed");
    case PasswordRefusal::too_short:
      return invalid_argument("the password must be at least 8 characters long");
    case PasswordRefusal::too_long:
      return invalid_argument("the password can be at most 128 characters long");
    case PasswordRefusal::common:
      return invalid_argument(
          "the password is one of the most commonly used passwords; choose a different one");
    case PasswordRefusal::names_you:
      return invalid_argument("the password can't be the user's name or username");
  }
  return invalid_argument("the password is not allowed");
}

}  // namespace tessera
