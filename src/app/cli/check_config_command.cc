// `tessera check-config`: validates the configuration, the master key and the database connection
// without changing anything, and prints what tessera would use.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include <CLI/CLI.hpp>

#include "app/cli/command_context.h"
#include "crypto/master_key.h"

namespace tessera {

void register_check_config_command(CLI::App& app, CommandContext& context) {
  auto* command = app.add_subcommand(
      "check-config", "Check the configuration, master key and database without changing them");
  command->callback([&context] {
    auto config = context.config();
    if (!config.ok()) return context.fail(config.status());
    std::printf("configuration: %s\n",
                context.config_path.empty() ? "(defaults)" : context.config_path.c_str());
    std::printf("  listen       http://%s:%u\n", config->server.address.c_str(),
                config->server.port);
    if (config->storage.kind == StoreConfig::Kind::sqlite) {
      std::printf("  storage      sqlite %s\n", config->storage.sqlite_path.c_str());
    } else {
      std::printf("  storage      postgres (url from configuration)\n");
    }
    std::printf("  master key   %s\n", std::getenv(kMasterKeyEnvironmentVariable) != nullptr
                                           ? "from TESSERA_MASTER_KEY"
                                           : config->master_key_file.c_str());
    std::printf("  argon2id     m=%u KiB, t=%u, p=1\n", config->hashing.argon2.memory_kib,
                config->hashing.argon2.iterations);
    // Opening SQLite would create a missing file; checking must not change anything.
    if (config->storage.kind == StoreConfig::Kind::sqlite &&
        !std::filesystem::exists(config->storage.sqlite_path)) {
      return context.fail(not_found("the database " + config->storage.sqlite_path.string() +
                                    " does not exist; run `tessera init`"));
    }
    auto runtime = context.runtime(Runtime::Migration::require_current);
    if (!runtime.ok()) return context.fail(runtime.status());
    std::printf("ok: the master key loads and the database is reachable and current.\n");
  });
}

}  // namespace tessera
