// `tessera policy show`, `tessera policy set KEY VALUE`.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app/cli/command_context.h"
#include "app/cli/output.h"

namespace tessera {

void register_policy_commands(CLI::App& app, CommandContext& context) {
  auto* policy = app.add_subcommand(
      "policy",
      "The organisation's sign-in policy: MFA, trusted IPs, remembered devices, password reset, "
      "fraud reports");
  policy->require_subcommand(1);

  auto* show = policy->add_subcommand("show", "Show every policy setting");
  show->callback([&context] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    auto current = (*runtime)->policy().show();
    if (!current.ok()) return context.fail(current.status());
    print_policy(*current);
  });

  auto* set = policy->add_subcommand(
      "set",
      "Change one setting, e.g. `policy set mfa_required_from 2026-12-01`. Keys: "
      "mfa_required_from (YYYY-MM-DD|none), registration_grace_days (0-90), allowed_methods "
      "(app_notification,app_code,text_message,phone_call,email), allow_app_passwords, "
      "remember_mfa_days (0 = off, 1-365), trusted_ip_ranges (CIDRs, comma-separated, "
      "or none), phone_country_codes (calling codes texts and calls may go to, e.g. 44,49, or "
      "all), organization_domains (the organisation's own email domains, e.g. contoso.com, or "
      "none), lockout_threshold (1-1000), lockout_duration_seconds (1-86400), fraud_block_user "
      "(true|false), fraud_notify_email (an address, or none), sspr_enabled (true|false), "
      "sspr_methods_required (1|2)");
  auto key = std::make_shared<std::string>();
  auto value = std::make_shared<std::string>();
  set->add_option("KEY", *key, "The setting")->required();
  set->add_option("VALUE", *value, "Its new value")->required();
  set->callback([&context, key, value] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    auto changed = (*runtime)->policy().set(*key, *value, Actor::cli());
    if (!changed.ok()) return context.fail(changed.status());
    for (const auto& [name, text] : describe_policy(*changed)) {
      if (name == shown_policy_key(*key)) std::printf("%s = %s\n", name.c_str(), text.c_str());
    }
  });
}

}  // namespace tessera
