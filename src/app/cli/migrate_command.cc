// `tessera migrate`: applies pending schema migrations and reports the versions.
#include <cstdio>

#include <CLI/CLI.hpp>

#include "app/cli/command_context.h"

namespace tessera {

void register_migrate_command(CLI::App& app, CommandContext& context) {
  auto* command = app.add_subcommand("migrate", "Apply pending database schema migrations");
  command->callback([&context] {
    auto runtime = context.runtime(Runtime::Migration::apply);
    if (!runtime.ok()) return context.fail(runtime.status());
    auto version = (*runtime)->store().schema_version();
    if (!version.ok()) return context.fail(version.status());
    std::printf("The database is at schema version %d (latest %d).\n", *version,
                (*runtime)->store().latest_schema_version());
  });
}

}  // namespace tessera
