// `tessera mfa set UPN disabled|enabled|enforced`, `tessera mfa show UPN`,
// `tessera mfa revoke-sessions UPN`.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app/cli/command_context.h"

namespace tessera {

void register_mfa_commands(CLI::App& app, CommandContext& context) {
  auto* mfa = app.add_subcommand(
      "mfa", "Each user's MFA state: show it, or set Disabled, Enabled or Enforced");
  mfa->require_subcommand(1);

  auto* set = mfa->add_subcommand("set", "Set a user's MFA state");
  auto set_upn = std::make_shared<std::string>();
  auto set_state = std::make_shared<std::string>();
  set->add_option("UPN", *set_upn, "The user's sign-in name")->required();
  set->add_option("STATE", *set_state, "disabled, enabled or enforced")
      ->required()
      ->check(CLI::IsMember({"disabled", "enabled", "enforced"}));
  set->callback([&context, set_upn, set_state] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    const MfaState state = *parse_mfa_state(*set_state);
    const Status status = (*runtime)->users().set_mfa_state(*set_upn, state, Actor::cli());
    if (!status.ok()) return context.fail(status);
    std::printf("MFA for %s is now %s.\n", set_upn->c_str(), set_state->c_str());
  });

  auto* show = mfa->add_subcommand("show", "Show a user's MFA state and methods");
  auto show_upn = std::make_shared<std::string>();
  show->add_option("UPN", *show_upn, "The user's sign-in name")->required();
  show->callback([&context, show_upn] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    auto details = (*runtime)->users().show_user(*show_upn);
    if (!details.ok()) return context.fail(details.status());
    std::printf("%s: stored state %s, in force %s, %zu method%s registered\n",
                details->user.upn.c_str(), std::string(to_string(details->user.mfa_state)).c_str(),
                std::string(to_string(details->effective_mfa_state)).c_str(),
                details->methods.size(), details->methods.size() == 1 ? "" : "s");
  });

  auto* revoke = mfa->add_subcommand(
      "revoke-sessions",
      "Revoke MFA sessions: ask for MFA again on every device where the user chose \"Don't ask "
      "again\"");
  auto revoke_upn = std::make_shared<std::string>();
  revoke->add_option("UPN", *revoke_upn, "The user's sign-in name")->required();
  revoke->callback([&context, revoke_upn] {
    auto runtime = context.runtime();
    if (!runtime.ok()) return context.fail(runtime.status());
    auto forgotten = (*runtime)->users().revoke_mfa_sessions(*revoke_upn, Actor::cli());
    if (!forgotten.ok()) return context.fail(forgotten.status());
    std::printf("Revoked MFA sessions of %s: %zu remembered device%s will ask for MFA again.\n",
                revoke_upn->c_str(), *forgotten, *forgotten == 1 ? "" : "s");
  });
}

}  // namespace tessera
