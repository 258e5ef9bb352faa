// `tessera init [--demo]`: creates the data directory, the master key file (never overwritten) and
// the database schema. With --demo it also makes sure the demo accounts exist and gives them fresh
// passwords, printed once.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include <CLI/CLI.hpp>

#include "app/cli/command_context.h"
#include "crypto/master_key.h"
#include "crypto/sodium_init.h"
#include "service/temporary_password.h"

namespace tessera {
namespace {

struct DemoAccount {
  const char* upn;
  const char* display_name;
  const char* role;
};

constexpr DemoAccount kDemoAccounts[] = {
    {"admin@example.com", "Demo Admin", "admin"},
    {"user@example.com", "Demo User", "user"},
};

Status ensure_demo_accounts(Runtime& runtime) {
  std::printf("\nDemo tenant (fresh passwords are set at every `tessera init --demo`):\n");
  for (const DemoAccount& account : kDemoAccounts) {
    SecretBytes password;
    auto existing = runtime.users().show_user(account.upn);
    if (existing.ok()) {
      TESSERA_ASSIGN_OR_RETURN(password, runtime.users().reset_password(account.upn, Actor::cli()));
      // Demo passwords are ready to use: no change at first sign-in.
      TESSERA_RETURN_IF_ERROR(runtime.store().set_password_temporary(existing->user.id, false));
    } else if (existing.status().code() == ErrorCode::not_found) {
      NewUser request;
      request.upn = account.upn;
      request.display_name = account.display_name;
      request.password = generate_temporary_password(runtime.rng());
      TESSERA_ASSIGN_OR_RETURN(AddedUser added, runtime.users().add_user(request, Actor::cli()));
      password = *request.password;
      if (std::string_view(account.role) == "user") {
        // The demo user shows the MFA journey: registration at first sign-in, codes after.
        TESSERA_RETURN_IF_ERROR(
            runtime.users().set_mfa_state(account.upn, MfaState::enabled, Actor::cli()));
      }
    } else {
      return existing.status();
    }
    if (std::string_view(account.role) == "admin") {
      TESSERA_RETURN_IF_ERROR(runtime.users().set_role(account.upn, Role::admin, Actor::cli()));
    }
    std::printf("  %-6s %-20s password %.*s\n", account.role, account.upn,
                static_cast<int>(password.size()), password.view().data());
  }
  std::printf(
      "Sign in at the server's address (http://127.0.0.1:8080/ by default). user@example.com has\n"
      "MFA enabled: it registers a sign-in method at first sign-in.\n"
      "(admin@example.com has the admin role; the admin pages arrive with a later release.)\n");
  return Status();
}

}  // namespace

void register_init_command(CLI::App& app, CommandContext& context) {
  auto* command = app.add_subcommand(
      "init", "Create the data directory, the master key file and the database schema");
  auto demo = std::make_shared<bool>(false);
  command->add_flag("--demo", *demo, "Also create the demo accounts and print their passwords");
  command->callback([&context, demo] {
    auto config = context.config();
    if (!config.ok()) return context.fail(config.status());
    if (!init_crypto_library()) return context.fail(internal_error("libsodium cannot start"));
    if (Status prepared = prepare_data_directories(*config); !prepared.ok()) {
      return context.fail(prepared);
    }
    SystemRng rng;
    const Status created = create_master_key_file(config->master_key_file, rng);
    if (created.ok()) {
      std::printf(
          "Created the master key file %s (mode 0600). Back it up: without it the stored\n"
          "secrets of sign-in methods cannot be read.\n",
          config->master_key_file.c_str());
    } else if (created.code() != ErrorCode::already_exists) {
      return context.fail(created);
    } else if (std::getenv(kMasterKeyEnvironmentVariable) == nullptr) {
      std::printf("Using the existing master key file %s.\n", config->master_key_file.c_str());
    }
    context.allow_creating_database();
    auto runtime = context.runtime(Runtime::Migration::apply);
    if (!runtime.ok()) return context.fail(runtime.status());
    auto version = (*runtime)->store().schema_version();
    if (!version.ok()) return context.fail(version.status());
    std::printf("The database is ready (schema version %d).\n", *version);
    if (*demo) {
      if (Status status = ensure_demo_accounts(**runtime); !status.ok()) context.fail(status);
    }
  });
}

}  // namespace tessera
