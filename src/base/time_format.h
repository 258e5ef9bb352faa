// Calendar dates and timestamps as text. All times are UTC.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/result.h"

namespace tessera {

using Date = std::chrono::year_month_day;

// Strict "YYYY-MM-DD" with a real calendar date (2026-02-30 is invalid_argument).
Result<Date> parse_date(std::string_view text);
std::string format_date(Date date);
// Midnight UTC at the start of `date`.
Timestamp start_of_day(Date date);
Date date_of(Timestamp t);
// RFC 3339, "2026-11-24T05:45:12Z".
std::string format_timestamp(Timestamp t);

}  // namespace tessera
