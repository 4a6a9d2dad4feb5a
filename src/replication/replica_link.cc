#include "petrel/replication/replica_link.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "petrel/command/dispatcher.h"
#include "petrel/persistence/file_util.h"
#include "petrel/persistence/persistence.h"
#include "petrel/persistence/rdb_reader.h"
#include "petrel/replication/replication.h"
#include "petrel/resp/reply_builder.h"
#include "petrel/util/numbers.h"

namespace petrel::replication {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMarkLength = 40;
constexpr int64_t kRetryMs = 1000;

}  // namespace

ReplicaLink::ReplicaLink(Replication& repl, std::string host, int64_t port, bool has_history)
    : repl_(repl), host_(std::move(host)), port_(port), has_history_(has_history) {
  down_since_ms_ = NowMs();
  client_.authenticated = true;
  client_.is_primary_link = true;
  client_.link = this;
  Connect();
}

ReplicaLink::~ReplicaLink() {
  alive_.reset();
  Drop("the link is no longer wanted");
  if (loader_.joinable()) loader_.join();
}

int64_t ReplicaLink::NowMs() const { return repl_.server().clock().NowMs(); }

int ReplicaLink::Fd() const { return socket_ ? socket_->native_handle() : -1; }

std::string_view ReplicaLink::state_name() const {
  switch (state_) {
    case State::kConnect: return "connect";
    case State::kConnecting: return "connecting";
    case State::kHandshake: return "handshake";
    case State::kSync: return "sync";
    case State::kConnected: return "connected";
  }
  return "none";
}

int64_t ReplicaLink::read_offset() const {
  // Stream bytes received but not applied yet count for slave_read_repl_offset.
  const size_t filled = buf_.size() - (reading_ ? kReadChunk : 0);
  return repl_.offset() +
         (state_ == State::kConnected && filled > pos_ ? static_cast<int64_t>(filled - pos_) : 0);
}

void ReplicaLink::Connect() {
  state_ = State::kConnecting;
  connect_ms_ = NowMs();
  const uint64_t gen = ++generation_;
  socket_ = std::make_unique<asio::ip::tcp::socket>(repl_.io());
  resolver_ = std::make_unique<asio::ip::tcp::resolver>(repl_.io());
  resolver_->async_resolve(
      host_, std::to_string(port_),
      [this, gen, alive = std::weak_ptr<int>(alive_)](
          const asio::error_code& ec, asio::ip::tcp::resolver::results_type results) {
        if (alive.expired() || gen != generation_) return;
        if (ec) {
          Drop("Unable to resolve the master's address: " + ec.message());
          return;
        }
        asio::async_connect(*socket_, results,
                            [this, gen, alive](const asio::error_code& ec2, const asio::ip::tcp::endpoint&) {
                              if (alive.expired() || gen != generation_) return;
                              if (ec2) {
                                Drop("Error condition on socket for SYNC: " + ec2.message());
                                return;
                              }
                              OnConnected();
                            });
      });
}

void ReplicaLink::OnConnected() {
  spdlog::info("MASTER <-> REPLICA sync started");
  asio::error_code ignored;
  socket_->set_option(asio::ip::tcp::no_delay(true), ignored);
  state_ = State::kHandshake;
  last_io_ms_ = NowMs();
  buf_.clear();
  pos_ = 0;
  step_ = Step::kPing;
  spdlog::info("Non blocking connect for SYNC fired the event.");
  SendCommand({"PING"});
  Read();
}

void ReplicaLink::SendCommand(std::initializer_list<std::string_view> args) {
  std::string encoded;
  std::vector<std::string_view> v(args);
  EncodeCommand(v, encoded);
  Send(encoded);
}

void ReplicaLink::Send(std::string_view bytes) {
  out_.append(bytes);
  Write();
}

void ReplicaLink::Deliver(std::string_view bytes) { Send(bytes); }

void ReplicaLink::DeliverShared(std::shared_ptr<const std::string> bytes) { Send(*bytes); }

void ReplicaLink::Write() {
  if (writing_in_flight_ || out_.empty() || !socket_) return;
  writing_in_flight_ = true;
  writing_.swap(out_);
  out_.clear();
  const uint64_t gen = generation_;
  asio::async_write(*socket_, asio::buffer(writing_), [this, gen, alive = std::weak_ptr<int>(alive_)](
                                                        const asio::error_code& ec, size_t) {
    if (alive.expired() || gen != generation_) return;
    writing_in_flight_ = false;
    writing_.clear();
    if (ec) {
      Drop("Error writing to the master: " + ec.message());
      return;
    }
    Write();
  });
}

void ReplicaLink::Read() {
  if (reading_ || !socket_) return;
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > kReadChunk) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  const size_t old = buf_.size();
  buf_.resize(old + kReadChunk);
  reading_ = true;
  const uint64_t gen = generation_;
  socket_->async_read_some(asio::buffer(buf_.data() + old, kReadChunk),
                           [this, gen, old, alive = std::weak_ptr<int>(alive_)](const asio::error_code& ec, size_t n) {
                             if (alive.expired() || gen != generation_) return;
                             reading_ = false;
                             buf_.resize(old + n);
                             OnRead(ec, n);
                           });
}

void ReplicaLink::OnRead(const asio::error_code& ec, size_t n) {
  if (ec) {
    Drop(state_ == State::kConnected ? "Connection with master lost." : "Master closed the link: " + ec.message());
    return;
  }
  last_io_ms_ = NowMs();
  (void)n;
  for (;;) {
    if (state_ == State::kHandshake) {
      const size_t nl = buf_.find('\n', pos_);
      if (nl == std::string::npos) break;
      std::string_view line(buf_.data() + pos_, nl - pos_);
      pos_ = nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!HandleLine(line)) return;
      continue;
    }
    if (state_ == State::kSync) {
      if (loading_) break;  // anything more waits for the load
      if (!ReceiveSnapshot()) return;
      if (state_ == State::kSync) break;  // needs more bytes
      continue;
    }
    if (state_ == State::kConnected) {
      if (!ApplyStream()) return;
      break;
    }
    break;
  }
  Read();
}

bool ReplicaLink::HandleLine(std::string_view line) {
  const config::Settings& s = repl_.server().settings();
  switch (step_) {
    case Step::kPing:
      if (line.empty()) return true;  // keepalive newline
      if (line[0] == '-' && !line.starts_with("-NOAUTH") && !line.starts_with("-NOPERM") &&
          !line.starts_with("-ERR operation not permitted")) {
        Drop("Error reply to PING from master: '" + std::string(line) + "'");
        return false;
      }
      spdlog::info("Master replied to PING, replication can continue...");
      if (!s.masterauth.empty()) {
        step_ = Step::kAuth;
        if (s.masteruser.empty()) {
          SendCommand({"AUTH", s.masterauth});
        } else {
          SendCommand({"AUTH", s.masteruser, s.masterauth});
        }
        return true;
      }
      [[fallthrough]];
    case Step::kAuth:
      if (step_ == Step::kAuth && !line.starts_with("+")) {
        Drop("Unable to AUTH to MASTER: " + std::string(line));
        return false;
      }
      step_ = Step::kPort;
      SendCommand({"REPLCONF", "listening-port",
                   std::to_string(s.replica_announce_port != 0 ? s.replica_announce_port
                                                              : s.port)});
      return true;
    case Step::kPort:
      if (line.starts_with("-")) {
        spdlog::info("(Non critical) Master does not understand REPLCONF listening-port: {}",
                     line);
      }
      if (!s.replica_announce_ip.empty()) {
        step_ = Step::kIp;
        SendCommand({"REPLCONF", "ip-address", s.replica_announce_ip});
        return true;
      }
      [[fallthrough]];
    case Step::kIp:
      step_ = Step::kCapa;
      SendCommand({"REPLCONF", "capa", "eof", "capa", "psync2"});
      return true;
    case Step::kCapa: {
      step_ = Step::kPsync;
      // Continue our history if we have one: the next byte we need is offset + 1.
      if (has_history_) {
        spdlog::info("Trying a partial resynchronization (request {}:{}).", repl_.replid(),
                     repl_.offset() + 1);
        SendCommand({"PSYNC", repl_.replid(), std::to_string(repl_.offset() + 1)});
      } else {
        spdlog::info("Partial resynchronization not possible (no cached master)");
        SendCommand({"PSYNC", "?", "-1"});
      }
      return true;
    }
    case Step::kPsync:
      return HandlePsyncReply(line);
  }
  return true;
}

bool ReplicaLink::HandlePsyncReply(std::string_view line) {
  if (line.empty()) return true;  // the primary keeps the link alive while it prepares
  if (line.starts_with("+FULLRESYNC")) {
    // +FULLRESYNC <replid> <offset>
    const size_t a = line.find(' ');
    const size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    if (b == std::string_view::npos) {
      Drop("Master replied with wrong +FULLRESYNC syntax.");
      return false;
    }
    sync_replid_ = std::string(line.substr(a + 1, b - a - 1));
    sync_offset_ = util::ParseInt64(line.substr(b + 1)).value_or(0);
    spdlog::info("Full resync from master: {}:{}", sync_replid_, sync_offset_);
    state_ = State::kSync;
    header_read_ = false;
    sync_read_ = 0;
    sync_total_ = -1;
    return true;
  }
  if (line.starts_with("+CONTINUE")) {
    std::string_view id = line.substr(std::min(line.size(), size_t{10}));
    if (id.size() == 40) repl_.ContinueWithId(std::string(id));
    spdlog::info("Successful partial resynchronization with master.");
    spdlog::info("MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.");
    state_ = State::kConnected;
    down_since_ms_ = 0;
    if (!registered_) {
      client_.id = repl_.server().NextClientId();
      client_.addr = host_ + ":" + std::to_string(port_);
      client_.created_ms = NowMs();
      repl_.server().AddClient(&client_);
      registered_ = true;
    }
    return true;
  }
  Drop("Unexpected reply to PSYNC from master: " + std::string(line));
  return false;
}

bool ReplicaLink::ReceiveSnapshot() {
  if (!header_read_) {
    const size_t nl = buf_.find('\n', pos_);
    if (nl == std::string::npos) return true;
    std::string_view line(buf_.data() + pos_, nl - pos_);
    pos_ = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return true;  // keepalive newline while the primary saves
    if (line[0] != '$') {
      Drop("Bad protocol from MASTER, the first byte is not '$' (we received '" +
           std::string(line) + "'), are you sure the host and port are right?");
      return false;
    }
    if (line.starts_with("$EOF:") && line.size() == 5 + kMarkLength) {
      eof_mark_ = std::string(line.substr(5));
      sync_total_ = -1;
    } else {
      auto len = util::ParseInt64(line.substr(1));
      if (!len || *len < 0) {
        Drop("Bad bulk length from MASTER");
        return false;
      }
      sync_total_ = *len;
      eof_mark_.clear();
    }
    sync_path_ = "temp-" + std::to_string(NowMs() / 1000) + "." + std::to_string(::getpid()) + ".rdb";
    sync_fd_ = ::open(sync_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (sync_fd_ < 0) {
      Drop("Opening the temp file needed for MASTER <-> REPLICA synchronization: " +
           std::string(std::strerror(errno)));
      return false;
    }
    header_read_ = true;
    eof_tail_.clear();
    spdlog::info("MASTER <-> REPLICA sync: receiving {} bytes from master to disk",
                 sync_total_ < 0 ? std::string("streamed") : std::to_string(sync_total_));
  }
  std::string_view data(buf_.data() + pos_, buf_.size() - pos_);
  bool done = false;
  std::string combined;
  if (sync_total_ >= 0) {
    const size_t want = static_cast<size_t>(sync_total_ - sync_read_);
    if (data.size() >= want) {
      data = data.substr(0, want);
      done = true;
    }
    pos_ += data.size();
  } else {
    // The payload ends with the 40-byte mark. The primary sends nothing after it until we
    // acknowledge the load, so the mark is at the end of what arrived; the last 40 bytes are
    // held back until more arrive, since they may be the mark.
    pos_ = buf_.size();
    combined = eof_tail_;
    combined.append(data);
    if (combined.size() >= kMarkLength &&
        combined.compare(combined.size() - kMarkLength, kMarkLength, eof_mark_) == 0) {
      done = true;
      data = std::string_view(combined).substr(0, combined.size() - kMarkLength);
      eof_tail_.clear();
    } else {
      const size_t keep = std::min(kMarkLength, combined.size());
      eof_tail_ = combined.substr(combined.size() - keep);
      data = std::string_view(combined).substr(0, combined.size() - keep);
    }
  }
  if (!persistence::WriteAll(sync_fd_, data)) {
    Drop("Write error writing to the DB dump file needed for MASTER <-> REPLICA "
         "synchronization: " + std::string(std::strerror(errno)));
    return false;
  }
  sync_read_ += static_cast<int64_t>(data.size());
  if (!done) return true;
  loading_ = true;
  return LoadSnapshot();
}

bool ReplicaLink::LoadSnapshot() {
  command::Dispatcher& server = repl_.server();
  const config::Settings& s = server.settings();
  ::fsync(sync_fd_);
  ::close(sync_fd_);
  sync_fd_ = -1;
  repl_.persistence().StopChildForSync();
  if (::rename(sync_path_.c_str(), s.dbfilename.c_str()) != 0) {
    Drop("Failed trying to rename the temp DB into " + s.dbfilename + " in MASTER <-> REPLICA "
         "synchronization: " + std::strerror(errno));
    return false;
  }
  spdlog::info("MASTER <-> REPLICA sync: Loading DB in memory");
  // Loaded aside on a helper thread, so this server keeps answering meanwhile (from the data
  // it had, as replica-serve-stale-data allows). The primary sends nothing more until our ACK.
  persistence::RdbLoadOptions options;
  options.drop_expired = false;  // the primary decides when keys expire
  options.now_ms = NowMs();
  options.verify_checksum = s.rdbchecksum;
  options.hash_limits = {static_cast<size_t>(s.hash_max_listpack_entries),
                         static_cast<size_t>(s.hash_max_listpack_value)};
  auto data = std::make_unique<storage::Keyspace>(server.keyspace().count(), server.clock());
  data->set_loading(true);
  const uint64_t gen = generation_;
  if (loader_.joinable()) loader_.join();
  loader_ = std::thread([this, gen, options, path = s.dbfilename, data = std::move(data)]() mutable {
    persistence::RdbLoadResult result;
    auto error = persistence::LoadRdbFile(path, *data, options, &result);
    asio::post(repl_.io(), [this, gen, alive = std::weak_ptr<int>(alive_), data = std::move(data),
                            error = std::move(error), result]() mutable {
      if (alive.expired() || gen != generation_) return;  // the link was dropped meanwhile
      SnapshotLoaded(std::move(data), std::move(error), result);
    });
  });
  return true;
}

void ReplicaLink::SnapshotLoaded(std::unique_ptr<storage::Keyspace> data,
                                 std::optional<std::string> error,
                                 persistence::RdbLoadResult result) {
  if (loader_.joinable()) loader_.join();
  loading_ = false;
  command::Dispatcher& server = repl_.server();
  if (error) {
    spdlog::warn("Failed trying to load the MASTER synchronization DB from disk: {}", *error);
    Drop("the snapshot could not be loaded");
    return;
  }
  spdlog::info("MASTER <-> REPLICA sync: Flushing old data");
  for (int db = 0; db < server.keyspace().count(); ++db) server.DatabaseReplaced(db);
  server.keyspace().SwapData(*data);
  data.reset();  // the old data, freed here
  spdlog::info("MASTER <-> REPLICA sync: Finished with success");
  repl_.AdoptHistory(sync_replid_, sync_offset_);
  has_history_ = true;
  client_.db = std::max(result.repl_stream_db, 0);
  repl_.persistence().RestartAofAfterSync();
  state_ = State::kConnected;
  down_since_ms_ = 0;
  if (!registered_) {
    client_.id = server.NextClientId();
    client_.addr = host_ + ":" + std::to_string(port_);
    client_.created_ms = NowMs();
    server.AddClient(&client_);
    registered_ = true;
  }
  // Tell the primary at once where we are; it waits for this before streaming to us.
  SendAck();
  if (!ApplyStream()) return;
  Read();
}

bool ReplicaLink::ApplyStream() {
  command::Dispatcher& server = repl_.server();
  resp::ReplyBuilder reply(&discarded_);
  while (pos_ < buf_.size()) {
    const std::string_view input(buf_.data() + pos_, buf_.size() - pos_);
    if (input[0] == '\n') {  // a bare newline (keepalive): part of no command
      ++pos_;
      continue;
    }
    resp::ParseLimits limits;
    limits.max_bulk_len = server.settings().proto_max_bulk_len;
    const resp::ParseStatus status = parser_.Parse(input, limits);
    if (status == resp::ParseStatus::kNeedMore) break;
    if (status == resp::ParseStatus::kError) {
      Drop("Protocol error from MASTER: " + std::string(parser_.error()));
      return false;
    }
    const size_t consumed = parser_.consumed();
    auto args = parser_.args();
    if (!args.empty()) {
      server.keyspace().set_primary_access(true);
      server.Dispatch(client_, args, reply);
      server.keyspace().set_primary_access(false);
      discarded_.clear();
    }
    // Offsets count every byte of the stream, applied commands and PINGs alike; the same bytes
    // go on to our own replicas.
    repl_.ForwardStream(input.substr(0, consumed));
    pos_ += consumed;
    if (state_ != State::kConnected) return false;  // a command dropped the link
  }
  return true;
}

void ReplicaLink::SendAck() {
  if (!socket_ || (state_ != State::kConnected)) return;
  last_ack_ms_ = NowMs();
  SendCommand({"REPLCONF", "ACK", std::to_string(repl_.offset())});
}

void ReplicaLink::RequestClose() {
  asio::post(repl_.io(), [this, gen = generation_, alive = std::weak_ptr<int>(alive_)] {
    if (!alive.expired() && gen == generation_) Drop("the primary link was killed");
  });
}

void ReplicaLink::Drop(std::string_view why) {
  if (state_ == State::kConnect && !socket_) return;
  if (state_ == State::kConnected || state_ == State::kSync || state_ == State::kHandshake) {
    spdlog::warn("{}", why);
  } else {
    spdlog::warn("{}", why);
  }
  ++generation_;
  if (socket_) {
    asio::error_code ignored;
    socket_->close(ignored);
  }
  socket_.reset();
  resolver_.reset();
  if (sync_fd_ >= 0) {
    ::close(sync_fd_);
    ::unlink(sync_path_.c_str());
    sync_fd_ = -1;
  }
  if (registered_) {
    repl_.server().RemoveClient(&client_);
    registered_ = false;
  }
  if (state_ == State::kConnected) down_since_ms_ = NowMs();
  if (down_since_ms_ == 0) down_since_ms_ = NowMs();
  state_ = State::kConnect;
  connect_ms_ = NowMs();
  loading_ = false;
  reading_ = writing_in_flight_ = false;
  buf_.clear();
  pos_ = 0;
  out_.clear();
  writing_.clear();
  parser_.Reset();
}

void ReplicaLink::Cron() {
  const config::Settings& s = repl_.server().settings();
  const int64_t now = NowMs();
  if (state_ == State::kConnect) {
    if (now - connect_ms_ >= kRetryMs) {
      spdlog::info("Connecting to MASTER {}:{}", host_, port_);
      Connect();
    }
    return;
  }
  if (loading_) last_io_ms_ = now;  // loading is not silence on the link
  if (now - last_io_ms_ > s.repl_timeout * 1000 && last_io_ms_ > 0 &&
      state_ != State::kConnecting) {
    Drop(state_ == State::kSync ? "Timeout receiving bulk data from MASTER... If the problem "
                                  "persists try to set the 'repl-timeout' parameter in "
                                  "redis.conf to a larger value."
                                : "MASTER timeout: no data nor PING received...");
    return;
  }
  if (state_ == State::kConnecting && now - connect_ms_ > s.repl_timeout * 1000) {
    Drop("Timeout connecting to the MASTER...");
    return;
  }
  if (state_ == State::kConnected && now - last_ack_ms_ >= 1000) SendAck();
}

}  // namespace petrel::replication
