#include "base/time_format.h"

#include <charconv>
#include <cstdio>

namespace tessera {
namespace {

bool parse_digits(std::string_view text, int& out) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<Date> parse_date(std::string_view text) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      !parse_digits(text.substr(0, 4), year) || !parse_digits(text.substr(5, 2), month) ||
      !parse_digits(text.substr(8, 2), day)) {
    return invalid_argument("'" + std::string(text.substr(0, 40)) +
                            "' is not a date; use YYYY-MM-DD, for example 2026-12-01");
  }
  Date date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
            std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || year < 1970) {
    return invalid_argument("'" + std::string(text) + "' is not a valid calendar date");
  }
  return date;
}

std::string format_date(Date date) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return buffer;
}

Timestamp start_of_day(Date date) {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::sys_days(date));
}

Date date_of(Timestamp t) {
  return Date(std::chrono::floor<std::chrono::days>(t));
}

std::string format_timestamp(Timestamp t) {
  const auto day = std::chrono::floor<std::chrono::days>(t);
  const Date date(day);
  const std::chrono::hh_mm_ss time(t - day);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%sT%02d:%02d:%02dZ", format_date(date).c_str(),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()));
  return buffer;
}

}  // namespace tessera
