#include "base/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "base/time_format.h"

namespace tessera {
namespace {

std::atomic<LogLevel> g_level{LogLevel::info};
std::mutex g_write_mutex;

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::warn:
      return "warn";
    case LogLevel::error:
      return "error";
    case LogLevel::off:
      return "off";
  }
  return "info";
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
          out += escaped;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

LogLevel parse_log_level(std::string_view text, bool* recognised) {
  if (recognised != nullptr) *recognised = true;
  if (text == "debug") return LogLevel::debug;
  if (text == "info") return LogLevel::info;
  if (text == "warn") return LogLevel::warn;
  if (text == "error") return LogLevel::error;
  if (text == "off") return LogLevel::off;
  if (recognised != nullptr) *recognised = false;
  return LogLevel::info;
}

void set_log_level(LogLevel level) {
  g_level.store(level);
}

void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  log_event(level, event, std::span<const LogField>(fields.begin(), fields.size()));
}

void log_event(LogLevel level, std::string_view event, std::span<const LogField> fields) {
  if (level < g_level.load() || level == LogLevel::off) return;
  std::string line = "{\"ts\":";
  append_json_string(line, format_timestamp(std::chrono::time_point_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now())));
  line += ",\"level\":";
  append_json_string(line, level_name(level));
  line += ",\"event\":";
  append_json_string(line, event);
  for (const auto& [key, value] : fields) {
    line.push_back(',');
    append_json_string(line, key);
    line.push_back(':');
    append_json_string(line, value);
  }
  line += "}\n";
  std::lock_guard lock(g_write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace tessera
