// A replica's link to its primary: an explicit state machine over one socket.
//   connect -> connecting -> handshake (PING, AUTH, REPLCONF listening-port, REPLCONF capa,
//   PSYNC) -> sync (the snapshot, by length or between EOF marks, into a file, then loaded)
//   -> connected (the stream: commands applied, bytes passed on, REPLCONF ACK every second).
// Any failure drops the socket and the cron tries again a second later, with PSYNC asking to
// continue from where this server is.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <optional>
#include <thread>

#include "petrel/command/client_state.h"
#include "petrel/persistence/rdb_reader.h"
#include "petrel/resp/parser.h"
#include "petrel/storage/keyspace.h"

namespace petrel::replication {

class Replication;

class ReplicaLink final : public command::ClientLink {
 public:
  enum class State { kConnect, kConnecting, kHandshake, kSync, kConnected };

  // `has_history`: this server's replication id and offset are worth continuing from (it was a
  // primary, or loaded a snapshot that recorded them); else it asks for a full sync.
  ReplicaLink(Replication& repl, std::string host, int64_t port, bool has_history);
  ~ReplicaLink() override;

  void Cron();
  std::string_view state_name() const;
  bool up() const { return state_ == State::kConnected; }
  const std::string& host() const { return host_; }
  int64_t port() const { return port_; }
  int64_t last_io_ms() const { return last_io_ms_; }
  int64_t down_since_ms() const { return down_since_ms_; }
  bool syncing() const { return state_ == State::kSync; }
  int64_t sync_total_bytes() const { return sync_total_; }
  int64_t sync_read_bytes() const { return sync_read_; }
  int64_t sync_last_io_ms() const { return last_io_ms_; }
  // Offset of the stream read so far (slave_read_repl_offset).
  int64_t read_offset() const;
  // The database the primary's stream is in (a replica restarted on its snapshot resumes it).
  int stream_db() const { return client_.db; }
  void set_stream_db(int db) { client_.db = db; }
  // Sends REPLCONF ACK <offset> now (GETACK asked for it).
  void SendAck();

  // command::ClientLink for the client state that applies the primary's commands.
  void RequestClose() override;
  void DeliverShared(std::shared_ptr<const std::string> bytes) override;
  void Resume() override {}
  size_t QueryBufferBytes() const override { return buf_.size() - pos_; }
  size_t QueryBufferFree() const override { return 0; }
  size_t OutputBufferBytes() const override { return out_.size() + writing_.size(); }
  int Fd() const override;
  void Deliver(std::string_view bytes) override;
  void HoldOutput(bool) override {}

 private:
  enum class Step { kPing, kAuth, kPort, kIp, kCapa, kPsync };
  void Connect();
  void OnConnected();
  void Read();
  void OnRead(const asio::error_code& ec, size_t n);
  void Send(std::string_view bytes);
  void Write();
  void SendCommand(std::initializer_list<std::string_view> args);
  void NextStep();
  bool HandleLine(std::string_view line);
  bool HandlePsyncReply(std::string_view line);
  bool ReceiveSnapshot();
  bool LoadSnapshot();
  // The snapshot loaded aside (on a helper thread) is ready: swap it in and go on.
  void SnapshotLoaded(std::unique_ptr<storage::Keyspace> data,
                      std::optional<std::string> error, persistence::RdbLoadResult result);
  bool ApplyStream();
  void Drop(std::string_view why);
  int64_t NowMs() const;

  Replication& repl_;
  std::string host_;
  int64_t port_;
  State state_ = State::kConnect;
  Step step_ = Step::kPing;
  std::unique_ptr<asio::ip::tcp::socket> socket_;
  std::unique_ptr<asio::ip::tcp::resolver> resolver_;
  uint64_t generation_ = 0;  // completions of an older socket are ignored
  std::string buf_;
  size_t pos_ = 0;
  std::string out_, writing_;
  bool reading_ = false, writing_in_flight_ = false;
  int64_t last_io_ms_ = -1;
  int64_t last_ack_ms_ = 0;
  int64_t connect_ms_ = 0;
  int64_t down_since_ms_ = 0;
  bool has_history_;
  // The snapshot being received.
  std::string sync_replid_;
  int64_t sync_offset_ = 0;
  int64_t sync_total_ = -1;  // -1: framed by the EOF mark
  int64_t sync_read_ = 0;
  std::string eof_mark_;
  std::string eof_tail_;  // the last bytes received, held back: they may be the mark
  int sync_fd_ = -1;
  std::string sync_path_;
  bool header_read_ = false;
  // The thread loading the snapshot aside; clients meanwhile get the old data (or MASTERDOWN).
  std::thread loader_;
  bool loading_ = false;
  // Every completion (socket, loader) checks this is still alive: the link may be gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  // Applying the stream.
  command::ClientState client_;
  bool registered_ = false;
  resp::Parser parser_;
  std::string discarded_;
};

}  // namespace petrel::replication
