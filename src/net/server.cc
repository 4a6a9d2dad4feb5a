#include "petrel/net/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "petrel/net/connection.h"
#include "petrel/persistence/persistence.h"

namespace petrel::net {
namespace {

using asio::ip::tcp;

constexpr std::string_view kMaxClientsError = "-ERR max number of clients reached\r\n";
constexpr std::string_view kProtectedModeError =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no "
    "password is set for the default user. In this mode connections are only accepted from the "
    "loopback interface. If you want to connect from external computers to Redis you may adopt "
    "one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG "
    "SET protected-mode no' from the loopback interface by connecting to Redis from the same "
    "host the server is running, however MAKE SURE Redis is not publicly accessible from "
    "internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively "
    "you can just disable the protected mode by editing the Redis configuration file, and "
    "setting the protected mode option to 'no', and then restarting the server. 3) If you "
    "started the server manually just for testing, restart it with the '--protected-mode no' "
    "option. 4) Setup a an authentication password for the default user. NOTE: You only need "
    "to do one of the above things in order for the server to start accepting connections from "
    "the outside.\r\n";

void SetKeepAlive(int fd, int64_t interval) {
  if (interval <= 0) return;
  int yes = 1;
  setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &yes, sizeof yes);
  // As Redis: first probe after `interval`, then every interval/3, three probes.
  int idle = static_cast<int>(interval);
  int intvl = std::max(1, idle / 3);
  int count = 3;
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
  setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

}  // namespace

Server::Server(config::Config& config, command::Dispatcher& dispatcher)
    : config_(config), dispatcher_(dispatcher), signals_(io_, SIGINT, SIGTERM), cron_(io_) {
  dispatcher_.set_hooks(this);
}

Server::~Server() { dispatcher_.set_hooks(nullptr); }

std::optional<std::string> Server::Listen() {
  const config::Settings& s = config_.settings();
  tcp_port_ = s.port;
  if (s.port != 0) {
    for (const std::string& spec : s.bind) {
      const bool optional = !spec.empty() && spec[0] == '-';
      std::string host = optional ? spec.substr(1) : spec;
      if (host == "*") host = "0.0.0.0";
      if (host == "::*") host = "::";
      asio::error_code ec;
      asio::ip::address address = asio::ip::make_address(host, ec);
      if (ec) return "Invalid bind address '" + spec + "'";
      auto acceptor = std::make_unique<tcp::acceptor>(io_);
      tcp::endpoint endpoint(address, static_cast<uint16_t>(s.port));
      acceptor->open(endpoint.protocol(), ec);
      if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
      if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
      if (!ec) acceptor->bind(endpoint, ec);
      if (!ec) acceptor->listen(static_cast<int>(s.tcp_backlog), ec);
      if (ec) {
        // An optional address (or an unsupported family) is skipped, as Redis does.
        if (optional || ec == asio::error::address_family_not_supported ||
            ec == std::errc::address_not_available) {
          spdlog::warn("Warning: Could not create server TCP listening socket {}:{}: {}", host,
                       s.port, ec.message());
          continue;
        }
        return "Could not create server TCP listening socket " + host + ":" +
               std::to_string(s.port) + ": " + ec.message();
      }
      AcceptTcp(*acceptor);
      tcp_acceptors_.push_back(std::move(acceptor));
    }
    if (tcp_acceptors_.empty()) return "Failed listening on port " + std::to_string(s.port);
  }
  if (!s.unixsocket.empty()) {
    ::unlink(s.unixsocket.c_str());
    asio::error_code ec;
    unix_acceptor_ = std::make_unique<asio::local::stream_protocol::acceptor>(io_);
    asio::local::stream_protocol::endpoint endpoint(s.unixsocket);
    unix_acceptor_->open(endpoint.protocol(), ec);
    if (!ec) unix_acceptor_->bind(endpoint, ec);
    if (!ec) unix_acceptor_->listen(static_cast<int>(s.tcp_backlog), ec);
    if (ec) return "Failed opening Unix socket: " + ec.message();
    if (s.unixsocketperm != 0) ::chmod(s.unixsocket.c_str(), static_cast<mode_t>(s.unixsocketperm));
    AcceptUnix();
  }
  if (tcp_acceptors_.empty() && !unix_acceptor_) {
    return "Configured to not listen anywhere, exiting.";
  }
  return std::nullopt;
}

std::string Server::Admission(bool loopback) {
  const config::Settings& s = config_.settings();
  if (static_cast<int64_t>(connections_.size()) >= s.maxclients) {
    ++dispatcher_.stats().rejected_connections;
    return std::string(kMaxClientsError);
  }
  if (s.protected_mode && s.requirepass.empty() && !loopback) {
    return std::string(kProtectedModeError);
  }
  return {};
}

void Server::AcceptTcp(tcp::acceptor& acceptor) {
  acceptor.async_accept([this, &acceptor](const asio::error_code& ec, tcp::socket socket) {
    if (ec) {
      if (ec != asio::error::operation_aborted && !stopping_) AcceptTcp(acceptor);
      return;
    }
    asio::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    SetKeepAlive(socket.native_handle(), config_.settings().tcp_keepalive);
    auto remote = socket.remote_endpoint(ignored);
    const auto addr = remote.address();
    const bool loopback = addr == asio::ip::make_address("127.0.0.1") ||
                          addr == asio::ip::make_address("::1");
    std::string refusal = Admission(loopback);
    auto conn = std::make_shared<Connection<tcp::socket>>(std::move(socket), dispatcher_,
                                                          connections_);
    conn->Start(refusal);
    AcceptTcp(acceptor);
  });
}

void Server::AcceptUnix() {
  unix_acceptor_->async_accept(
      [this](const asio::error_code& ec, asio::local::stream_protocol::socket socket) {
        if (ec) {
          if (ec != asio::error::operation_aborted && !stopping_) AcceptUnix();
          return;
        }
        std::string refusal = Admission(true);
        auto conn = std::make_shared<Connection<asio::local::stream_protocol::socket>>(
            std::move(socket), dispatcher_, connections_);
        conn->Start(refusal);
        AcceptUnix();
      });
}

void Server::ScheduleCron() {
  const int64_t hz = std::clamp<int64_t>(config_.settings().hz, 1, 500);
  cron_.expires_after(std::chrono::milliseconds(1000 / hz));
  cron_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopping_) return;
    dispatcher_.Cron();
    connections_.CloseIdle(dispatcher_.clock().NowMs(), config_.settings().timeout);
    ScheduleCron();
  });
}

void Server::WaitForSignals() {
  signals_.async_wait([this](const asio::error_code& ec, int signo) {
    if (ec) return;
    spdlog::warn("Received {} scheduling shutdown...", signo == SIGINT ? "SIGINT" : "SIGTERM");
    // Saves first when save points exist; if that fails the server stays up, as Redis does.
    persistence::Persistence* p = dispatcher_.persistence();
    if (p != nullptr && !p->PrepareShutdown(persistence::ShutdownSave::kDefault)) {
      WaitForSignals();
      return;
    }
    RequestShutdown();
  });
}

void Server::Run() {
  WaitForSignals();
  ScheduleCron();
  spdlog::info("Ready to accept connections");
  io_.run();
}

void Server::RequestShutdown() {
  asio::post(io_, [this] { Shutdown(); });
}

void Server::Shutdown() {
  if (stopping_) return;
  stopping_ = true;
  asio::error_code ignored;
  for (auto& a : tcp_acceptors_) a->close(ignored);
  if (unix_acceptor_) {
    unix_acceptor_->close(ignored);
    ::unlink(config_.settings().unixsocket.c_str());
  }
  signals_.cancel(ignored);
  cron_.cancel();
  connections_.AbortAll();
  if (!config_.settings().pidfile.empty()) {
    spdlog::info("Removing the pid file.");
    ::unlink(config_.settings().pidfile.c_str());
  }
  spdlog::warn("Petrel is now ready to exit, bye bye...");
  io_.stop();
}

}  // namespace petrel::net
