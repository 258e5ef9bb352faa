// Structured logging: one JSON object per line on stderr, {"ts":…,"level":…,"event":…, fields…}.
// Never pass secrets, codes, passwords or tokens as fields.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace tessera {

enum class LogLevel { debug, info, warn, error, off };

// Parses "debug", "info", "warn", "error", "off"; anything else is info.
LogLevel parse_log_level(std::string_view text, bool* recognised = nullptr);
void set_log_level(LogLevel level);

using LogField = std::pair<std::string_view, std::string_view>;

// Appends `text` as a JSON string literal (quoted, with control characters escaped).
void append_json_string(std::string& out, std::string_view text);

// Thread-safe.
void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});
// The same, for fields gathered at run time.
void log_event(LogLevel level, std::string_view event, std::span<const LogField> fields);

}  // namespace tessera
