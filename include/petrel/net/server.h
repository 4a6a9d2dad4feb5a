// The listening side: TCP acceptors for every bind address, an optional Unix socket, signals,
// and the cron timer, all on one io_context.
#pragma once

#include <asio.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "petrel/command/dispatcher.h"
#include "petrel/config/config.h"
#include "petrel/net/connection_manager.h"

namespace petrel::net {

class Server final : public command::ServerHooks {
 public:
  Server(config::Config& config, command::Dispatcher& dispatcher);
  ~Server() override;

  // Opens every listener; returns the reason on failure.
  std::optional<std::string> Listen();
  // Runs the loop until shutdown.
  void Run();
  asio::io_context& io() { return io_; }

  // command::ServerHooks
  void RequestShutdown() override;
  int64_t TcpPort() const override { return tcp_port_; }

 private:
  void AcceptTcp(asio::ip::tcp::acceptor& acceptor);
  void AcceptUnix();
  // Refusal text for a new client, or empty to accept it.
  std::string Admission(bool loopback);
  void ScheduleCron();
  void WaitForSignals();
  void Shutdown();

  config::Config& config_;
  command::Dispatcher& dispatcher_;
  asio::io_context io_;
  std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> tcp_acceptors_;
  std::unique_ptr<asio::local::stream_protocol::acceptor> unix_acceptor_;
  asio::signal_set signals_;
  asio::steady_timer cron_;
  ConnectionManager connections_;
  int64_t tcp_port_ = 0;
  bool stopping_ = false;
};

}  // namespace petrel::net
