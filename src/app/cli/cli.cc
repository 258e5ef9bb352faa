#include "app/cli/cli.h"

#include <CLI/CLI.hpp>

#include "app/cli/command_context.h"

namespace tessera {

int run_cli(int argc, char** argv) {
  CommandContext context;
  CLI::App app{"tessera: a self-hosted identity provider with multi-factor authentication",
               "tessera"};
  app.set_version_flag("--version", "tessera 0.1.0");
  app.option_defaults()->always_capture_default();
  app.add_option("--config", context.config_path,
                 "TOML configuration file (defaults apply without one; see docs/configuration.md)");
  app.require_subcommand(1);
  app.fallthrough();

  register_init_command(app, context);
  register_serve_command(app, context);
  register_migrate_command(app, context);
  register_check_config_command(app, context);
  register_user_commands(app, context);
  register_mfa_commands(app, context);
  register_policy_commands(app, context);
  register_log_commands(app, context);
  register_client_commands(app, context);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    std::fprintf(stderr, "tessera: error: %s\n", error.what());
    std::fprintf(stderr, "Run with --help for usage.\n");
    return 2;
  }
  return context.exit_code();
}

}  // namespace tessera
