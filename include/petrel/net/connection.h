// One client connection: reads into a buffer, parses commands incrementally, runs them through
// the dispatcher, and writes all replies of one read batch with a single write.
#pragma once

#include <asio.hpp>
#include <memory>
#include <string>

#include "petrel/command/client_state.h"
#include "petrel/command/dispatcher.h"
#include "petrel/resp/parser.h"
#include "petrel/resp/reply_builder.h"

namespace petrel::net {

class ConnectionManager;

template <typename Socket>
class Connection final : public command::ClientLink,
                         public std::enable_shared_from_this<Connection<Socket>> {
 public:
  Connection(Socket socket, command::Dispatcher& dispatcher, ConnectionManager& manager);
  ~Connection() override;

  // Registers the client and starts reading. A non-empty `refusal` (maxclients, protected
  // mode) is sent instead and the connection closed after it.
  void Start(std::string_view refusal = {});
  // Closes at once, dropping unsent output (shutdown, output buffer limits).
  void Abort();
  command::ClientState& state() { return state_; }

  // command::ClientLink
  void RequestClose() override;
  void Resume() override;
  size_t QueryBufferBytes() const override { return end_ - start_; }
  size_t QueryBufferFree() const override { return buffer_.size() - end_; }
  size_t OutputBufferBytes() const override {
    return out_.size() + writing_.size() + chunk_bytes_;
  }
  int Fd() const override;
  void Deliver(std::string_view bytes) override;
  void DeliverShared(std::shared_ptr<const std::string> bytes) override;
  void HoldOutput(bool held) override;

 private:
  void Read();
  void OnRead(const asio::error_code& ec, size_t n);
  // Runs every complete command in the buffer, until one is held by CLIENT PAUSE or the client
  // is to be closed.
  void ProcessInput();
  // After a batch of commands: sends the replies and reads on, once the AOF allows.
  void FinishBatch();
  void Flush();
  void OnWrite(const asio::error_code& ec);
  void Close();
  // Closes the client when its pending output passes its class's hard limit, or its soft limit
  // for longer than allowed; false when it did.
  bool CheckOutputLimits();
  bool OverOutputLimits();
  void ScheduleFlush();
  void ScheduleClose();  // over an output limit: closed from the event loop

  Socket socket_;
  command::Dispatcher& dispatcher_;
  ConnectionManager& manager_;
  command::ClientState state_;
  resp::Parser parser_;
  resp::ReplyBuilder reply_;
  std::string buffer_;  // query bytes live in [start_, end_)
  size_t start_ = 0;
  size_t end_ = 0;
  std::string out_;      // replies produced, not yet handed to the socket
  std::string writing_;  // replies the socket is writing now
  // Shared messages queued after the bytes then in out_ (out_ is moved into a chunk first to
  // keep the order), and the chunks the socket is writing now; chunk_bytes_ counts both.
  std::vector<std::shared_ptr<const std::string>> chunks_;
  std::vector<std::shared_ptr<const std::string>> writing_chunks_;
  size_t chunk_bytes_ = 0;
  bool close_scheduled_ = false;  // over an output limit while a publisher was running
  bool reading_ = false;
  bool writing_in_flight_ = false;
  bool flush_posted_ = false;  // Deliver scheduled a Flush
  bool paused_ = false;
  bool output_held_ = false;
  bool closed_ = false;
  bool registered_ = false;
  int64_t over_soft_limit_since_ms_ = 0;
};

}  // namespace petrel::net
