// `tessera log sign-ins [--limit N] [--format table|json]` and `tessera log audit [--limit N]
// [--format table|json]`: the newest entries first.
//
// `--format table` (the default) is for people: a header line, then one line per entry, columns
// separated by two or more spaces, times in RFC 3339 UTC. Free text (a UPN as typed, actor, target,
// detail) is printed by the cell rules of text_table.h: a cell with a space run, a quote, a
// backslash or an invisible character is printed in double quotes with escapes, an empty cell as
// "-", so no cell can pass for several and a failed sign-in cannot read as someone else's success.
//
// `--format json` is for scripts: JSON Lines, one object per entry with every field of the entry
// under its own name, exact text (empty strings stay empty), and the time twice, as "time" in
// RFC 3339 UTC ("2026-11-24T05:45:12Z") and as "time_unix" in Unix seconds. Text that is not
// valid UTF-8 has each bad byte replaced by U+FFFD, since JSON holds only UTF-8.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "app/cli/command_context.h"
#include "app/cli/text_table.h"
#include "base/time_format.h"
#include "base/utf8.h"

namespace tessera {
namespace {
namespace json = boost::json;

struct LogOptions {
  std::size_t limit = 50;
  std::string format = "table";
};

std::shared_ptr<LogOptions> add_log_options(CLI::App& command) {
  auto options = std::make_shared<LogOptions>();
  command.add_option("--limit", options->limit, "How many entries (1-1000)")
      ->check(CLI::Range(1, 1000));
  command
      .add_option("--format", options->format,
                  "table (for people; odd text quoted and escaped) or json (JSON Lines, one "
                  "object per entry, exact text)")
      ->check(CLI::IsMember({"table", "json"}));
  return options;
}

json::string json_text(std::string_view text) {
  return json::string(to_valid_utf8(text));
}

void put_time(json::object& object, Timestamp time) {
  object["time"] = format_timestamp(time);
  object["time_unix"] = to_unix_seconds(time);
}

void print_json_line(const json::object& object) {
  std::printf("%s\n", json::serialize(object).c_str());
}

void print_sign_ins(const std::vector<SignInLogEntry>& entries, const std::string& format) {
  if (format == "json") {
    for (const SignInLogEntry& entry : entries) {
      json::object object;
      object["id"] = json_text(entry.id);
      put_time(object, entry.time);
      object["user_id"] = json_text(entry.user_id);
      object["upn"] = json_text(entry.upn);
      object["client_ip"] = json_text(entry.client_ip);
      object["app"] = json_text(entry.app);
      object["result"] = std::string(to_string(entry.result));
      object["failure_reason"] = json_text(entry.failure_reason);
      object["mfa_required"] = entry.mfa_required;
      object["decided_by"] = json_text(entry.decided_by);
      object["method"] = json_text(entry.method);
      print_json_line(object);
    }
    return;
  }
  std::vector<std::vector<std::string>> rows = {
      {"TIME", "UPN", "IP", "RESULT", "REASON", "MFA", "DECIDED BY", "METHOD"}};
  for (const SignInLogEntry& entry : entries) {
    rows.push_back({format_timestamp(entry.time), entry.upn, entry.client_ip,
                    std::string(to_string(entry.result)), entry.failure_reason,
                    entry.mfa_required ? "required" : "not required", entry.decided_by,
                    entry.method});
  }
  std::fputs(format_table(rows).c_str(), stdout);
}

void print_audit(const std::vector<AuditLogEntry>& entries, const std::string& format) {
  if (format == "json") {
    for (const AuditLogEntry& entry : entries) {
      json::object object;
      object["id"] = json_text(entry.id);
      put_time(object, entry.time);
      object["actor"] = json_text(entry.actor);
      object["action"] = json_text(entry.action);
      object["target"] = json_text(entry.target);
      object["detail"] = json_text(entry.detail);
      print_json_line(object);
    }
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"TIME", "ACTOR", "ACTION", "TARGET", "DETAIL"}};
  for (const AuditLogEntry& entry : entries) {
    rows.push_back(
        {format_timestamp(entry.time), entry.actor, entry.action, entry.target, entry.detail});
  }
  std::fputs(format_table(rows).c_str(), stdout);
}

}  // namespace

void register_log_commands(CLI::App& app, CommandContext& context) {
  auto* log = app.add_subcommand("log", "Read the sign-in log and the audit log");
  log->require_subcommand(1);

  auto* sign_ins = log->add_subcommand("sign-ins", "Every sign-in attempt, newest first");
  auto sign_in_options = add_log_options(*sign_ins);
  sign_ins->callback([&context, sign_in_options] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    auto entries = (*runtime)->store().list_sign_ins(sign_in_options->limit);
    if (!entries.ok()) return context.fail(entries.status());
    print_sign_ins(*entries, sign_in_options->format);
  });

  auto* audit = log->add_subcommand("audit", "Every change to users, methods and policy");
  auto audit_options = add_log_options(*audit);
  audit->callback([&context, audit_options] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    auto entries = (*runtime)->store().list_audit(audit_options->limit);
    if (!entries.ok()) return context.fail(entries.status());
    print_audit(*entries, audit_options->format);
  });
}

}  // namespace tessera
