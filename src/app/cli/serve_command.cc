// `tessera serve`: applies pending migrations, then serves HTTP until SIGINT or SIGTERM.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "app/cli/command_context.h"
#include "app/open_files.h"
#include "app/server_setup.h"
#include "base/log.h"

namespace tessera {

void register_serve_command(CLI::App& app, CommandContext& context) {
  auto* command = app.add_subcommand(
      "serve", "Serve the sign-in pages and APIs over HTTP until SIGINT or SIGTERM");
  command->callback([&context] {
    auto runtime = context.runtime(Runtime::Migration::apply);
    if (!runtime.ok()) return context.fail(runtime.status());
    set_log_level((*runtime)->config().log_level);
    // Every connection is a file descriptor: take all the kernel allows us before sizing the
    // connection limits to it (WebServer).
    const OpenFilesLimit files = raise_open_files_limit();
    if (files.soft != files.before) {
      log_event(LogLevel::info, "open_files_limit_raised",
                {{"from", std::to_string(files.before)}, {"to", std::to_string(files.soft)}});
    }
    WebServer web(**runtime);
    if (Status started = web.start(); !started.ok()) return context.fail(started);
    const std::string address = (*runtime)->config().server.address;
    const std::string port = std::to_string(web.port());
    log_event(LogLevel::info, "server_started", {{"address", address}, {"port", port}});
    std::printf("tessera is serving on http://%s:%s/ (stop with Ctrl-C)\n", address.c_str(),
                port.c_str());
    std::fflush(stdout);
    if (Status stopped = run_until_signal(web.server()); !stopped.ok()) {
      return context.fail(stopped);
    }
    log_event(LogLevel::info, "server_stopped");
  });
}

}  // namespace tessera
