// `tessera log sign-ins [--limit N]` and `tessera log audit [--limit N]`: the newest entries first.
// Columns are separated by at least two spaces and empty cells print as "-", so scripts can split
// rows reliably.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "app/cli/command_context.h"
#include "base/time_format.h"

namespace tessera {
namespace {

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i)
      widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

std::string cell(std::string text) {
  return text.empty() ? "-" : text;
}

}  // namespace

void register_log_commands(CLI::App& app, CommandContext& context) {
  auto* log = app.add_subcommand("log", "Read the sign-in log and the audit log");
  log->require_subcommand(1);

  auto sign_in_limit = std::make_shared<std::size_t>(50);
  auto* sign_ins = log->add_subcommand("sign-ins", "Every sign-in attempt, newest first");
  sign_ins->add_option("--limit", *sign_in_limit, "How many entries (1-1000)")
      ->check(CLI::Range(1, 1000));
  sign_ins->callback([&context, sign_in_limit] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    auto entries = (*runtime)->store().list_sign_ins(*sign_in_limit);
    if (!entries.ok()) return context.fail(entries.status());
    std::vector<std::vector<std::string>> rows = {
        {"TIME", "UPN", "IP", "RESULT", "REASON", "MFA", "DECIDED BY", "METHOD"}};
    for (const SignInLogEntry& entry : *entries) {
      rows.push_back({format_timestamp(entry.time), cell(entry.upn), cell(entry.client_ip),
                      std::string(to_string(entry.result)), cell(entry.failure_reason),
                      entry.mfa_required ? "required" : "not required", cell(entry.decided_by),
                      cell(entry.method)});
    }
    print_table(rows);
  });

  auto audit_limit = std::make_shared<std::size_t>(50);
  auto* audit = log->add_subcommand("audit", "Every change to users, methods and policy");
  audit->add_option("--limit", *audit_limit, "How many entries (1-1000)")
      ->check(CLI::Range(1, 1000));
  audit->callback([&context, audit_limit] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    auto entries = (*runtime)->store().list_audit(*audit_limit);
    if (!entries.ok()) return context.fail(entries.status());
    std::vector<std::vector<std::string>> rows = {{"TIME", "ACTOR", "ACTION", "TARGET", "DETAIL"}};
    for (const AuditLogEntry& entry : *entries) {
      rows.push_back({format_timestamp(entry.time), cell(entry.actor), cell(entry.action),
                      cell(entry.target), cell(entry.detail)});
    }
    print_table(rows);
  });
}

}  // namespace tessera
