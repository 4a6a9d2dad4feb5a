// petrel-server: command line (CLI11) and logging (spdlog) set-up, then the server loop.
#include <fcntl.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "petrel/command/dispatcher.h"
#include "petrel/config/config.h"
#include "petrel/net/server.h"
#include "petrel/persistence/persistence.h"
#include "petrel/replication/replication.h"
#include "petrel/util/clock.h"
#include "petrel/util/log_role.h"
#include "petrel/version.h"

namespace {

using petrel::config::Config;

// Redis marks log levels with one character: . debug, - verbose, * notice, # warning.
class LevelMark final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    char mark = '*';
    switch (msg.level) {
      case spdlog::level::trace: mark = '.'; break;
      case spdlog::level::debug: mark = '-'; break;
      case spdlog::level::info: mark = '*'; break;
      default: mark = '#'; break;
    }
    dest.push_back(mark);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<LevelMark>();
  }
};

// After the pid, Redis writes the process's role: M primary, S replica.
class RoleMark final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    dest.push_back(petrel::util::LogRole());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<RoleMark>();
  }
};

spdlog::level::level_enum LevelFor(const std::string& loglevel) {
  if (loglevel == "debug") return spdlog::level::trace;
  if (loglevel == "verbose") return spdlog::level::debug;
  if (loglevel == "warning") return spdlog::level::warn;
  return spdlog::level::info;
}

void SetUpLogging(const petrel::config::Settings& s) {
  std::shared_ptr<spdlog::logger> logger;
  if (s.logfile.empty()) {
    logger = spdlog::stdout_logger_mt("petrel");
  } else {
    logger = spdlog::basic_logger_mt("petrel", s.logfile);
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<LevelMark>('~').add_flag<RoleMark>('J').set_pattern(
      "%P:%J %d %b %Y %H:%M:%S.%e %~ %v");
  logger->set_formatter(std::move(formatter));
  logger->set_level(LevelFor(s.loglevel));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

void Daemonize() {
  if (fork() != 0) std::exit(0);  // the parent returns to the shell
  setsid();
  int fd = open("/dev/null", O_RDWR);
  if (fd != -1) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) close(fd);
  }
}

void Banner(const petrel::config::Settings& s) {
  spdlog::info("oO0OoO0OoO0Oo Petrel is starting oO0OoO0OoO0Oo");
  spdlog::info("Petrel version={} (Redis {} compatible), bits={}, pid={}, just started",
               petrel::kPetrelVersion, petrel::kRedisCompatVersion, sizeof(void*) * 8, getpid());
  spdlog::info("Petrel {} running in standalone mode", petrel::kPetrelVersion);
  spdlog::info("Port: {}", s.port);
  spdlog::info("PID: {}", getpid());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Petrel: a Redis-compatible in-memory server.\n"
               "Usage: petrel-server [/path/to/petrel.conf] [--directive value ...]",
               "petrel-server"};
  std::string config_file;
  bool test_config = false;
  bool config_docs = false;
  app.add_option("config", config_file, "redis.conf-style configuration file ('-' for stdin)");
  app.add_flag("--test-config", test_config, "Check the configuration and exit");
  app.add_flag("--config-docs", config_docs,
               "Print the directive reference of docs/configuration.md and exit");
  app.set_version_flag("-v,--version",
                       std::string("Petrel server v=") + std::string(petrel::kPetrelVersion) +
                           " (Redis " + std::string(petrel::kRedisCompatVersion) +
                           " compatible) bits=" + std::to_string(sizeof(void*) * 8));
  app.allow_extras();
  app.footer(
      "Any redis.conf directive can follow as --directive value(s), e.g.\n"
      "  petrel-server --port 6380 --save '' --bind 127.0.0.1 ::1\n"
      "See docs/configuration.md for every directive.");
  // Directives are not CLI11 options: a directive takes every word up to the next --option,
  // which CLI11 would not allow, so the words are handed over untouched.
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> own;
  std::vector<std::string> directives;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool known = a == "-h" || a == "--help" || a == "-v" || a == "--version" ||
                       a == "--test-config" || a == "--config-docs";
    if (known || (directives.empty() && i == 0 && a.rfind("--", 0) != 0)) {
      own.push_back(a);
    } else {
      directives.push_back(a);
    }
  }
  try {
    std::vector<std::string> reversed(own.rbegin(), own.rend());
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }

  if (config_docs) {
    std::cout << petrel::config::DirectivesMarkdown();
    return 0;
  }
  Config config;
  if (!config_file.empty()) {
    std::optional<petrel::config::ConfigError> err;
    if (config_file == "-") {
      std::string text((std::istreambuf_iterator<char>(std::cin)), {});
      err = config.LoadText(text, "stdin");
    } else {
      err = config.LoadFile(config_file);
      char resolved[4096];
      if (realpath(config_file.c_str(), resolved) != nullptr) config.set_config_file(resolved);
    }
    if (err) {
      std::cerr << err->Format();
      return 1;
    }
  }
  if (!directives.empty()) {
    if (auto err = config.LoadText(petrel::config::CommandLineToConfigText(directives), "")) {
      std::cerr << err->Format();
      return 1;
    }
  }
  if (test_config) {
    std::cout << "Configuration OK" << std::endl;
    return 0;
  }

  const petrel::config::Settings& s = config.settings();
  if (s.daemonize) Daemonize();
  SetUpLogging(s);
  Banner(s);
  if (!s.pidfile.empty()) {
    std::ofstream pid(s.pidfile, std::ios::trunc);
    if (pid) {
      pid << getpid() << "\n";
    } else {
      spdlog::warn("Failed to write PID file: {}", std::strerror(errno));
    }
  }

  petrel::util::SystemClock clock;
  petrel::command::Dispatcher dispatcher(config, clock);
  dispatcher.on_config_changed = [&config] {
    spdlog::default_logger()->set_level(LevelFor(config.settings().loglevel));
  };
  petrel::net::Server server(config, dispatcher);
  spdlog::info("Server initialized");
  // The data is loaded before the listeners open: no client sees a partial dataset.
  petrel::persistence::Persistence persistence(dispatcher, server.io());
  if (auto err = persistence.Start()) {
    spdlog::warn("{}", *err);
    return 1;
  }
  if (auto err = server.Listen()) {
    spdlog::warn("{}", *err);
    return 1;
  }
  petrel::replication::Replication replication(dispatcher, server.io(), persistence);
  replication.Start();
  server.Run();
  return 0;
}
