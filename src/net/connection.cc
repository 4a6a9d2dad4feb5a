#include "petrel/net/connection.h"

#include <spdlog/spdlog.h>

#include "petrel/net/connection_manager.h"

namespace petrel::net {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
// An idle connection keeps at most this much read buffer; a client that sent one huge
// command does not hold its memory after the command ran.
constexpr size_t kIdleBufferMax = 64 * 1024;
// Stop reading a client whose replies are piling up, until they drain (TCP pushes back).
constexpr size_t kPendingOutputReadLimit = 4 * 1024 * 1024;
// Queued messages averaging less than this are copied into one buffer for the write; larger
// ones are written straight from their shared buffers.
constexpr size_t kGatherMinChunk = 4096;

// "ip:port", with IPv6 addresses in brackets as Redis writes them ("[::1]:6379").
template <typename Endpoint>
std::string FormatEndpoint(const Endpoint& ep) {
  const std::string ip = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + ip + "]" : ip) + ":" + std::to_string(ep.port());
}

std::string FormatEndpoint(const asio::local::stream_protocol::endpoint& ep) {
  return ep.path() + ":0";
}

}  // namespace

template <typename Socket>
Connection<Socket>::Connection(Socket socket, command::Dispatcher& dispatcher,
                               ConnectionManager& manager)
    : socket_(std::move(socket)), dispatcher_(dispatcher), manager_(manager), reply_(&out_) {}

template <typename Socket>
Connection<Socket>::~Connection() {
  if (registered_) dispatcher_.RemoveClient(&state_);
}

template <typename Socket>
int Connection<Socket>::Fd() const {
  return const_cast<Socket&>(socket_).native_handle();
}

template <typename Socket>
void Connection<Socket>::Start(std::string_view refusal) {
  asio::error_code ec;
  auto remote = socket_.remote_endpoint(ec);
  if (!ec) state_.addr = FormatEndpoint(remote);
  auto local = socket_.local_endpoint(ec);
  if (!ec) state_.laddr = FormatEndpoint(local);
  state_.unix_socket = std::is_same_v<Socket, asio::local::stream_protocol::socket>;
  if (state_.unix_socket) state_.addr = state_.laddr;
  state_.id = dispatcher_.NextClientId();
  state_.created_ms = dispatcher_.clock().NowMs();
  state_.last_interaction_ms = state_.created_ms;
  state_.authenticated = dispatcher_.settings().requirepass.empty();
  state_.link = this;
  if (!refusal.empty()) {
    // Refused before registration: send the error and close.
    closed_ = false;
    out_.assign(refusal);
    state_.close_after_reply = true;
    registered_ = false;
    Flush();
    return;
  }
  registered_ = true;
  dispatcher_.AddClient(&state_);
  auto self = this->shared_from_this();
  manager_.Add(state_.id, {&state_, [this] { Abort(); }, self});
  ++dispatcher_.stats().total_connections_received;
  buffer_.resize(kReadChunk);
  Read();
}

template <typename Socket>
void Connection<Socket>::Read() {
  if (reading_ || closed_) return;
  if (buffer_.size() - end_ < kReadChunk / 2) {
    if (start_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
      end_ -= start_;
      start_ = 0;
    }
    if (buffer_.size() - end_ < kReadChunk / 2) buffer_.resize(std::max(buffer_.size() * 2, end_ + kReadChunk));
  }
  reading_ = true;
  socket_.async_read_some(asio::buffer(buffer_.data() + end_, buffer_.size() - end_),
                          [self = this->shared_from_this()](const asio::error_code& ec, size_t n) {
                            self->OnRead(ec, n);
                          });
}

template <typename Socket>
void Connection<Socket>::OnRead(const asio::error_code& ec, size_t n) {
  reading_ = false;
  if (closed_) return;
  if (ec) {
    Close();
    return;
  }
  end_ += n;
  dispatcher_.stats().net_input_bytes += n;
  state_.last_interaction_ms = dispatcher_.clock().NowMs();
  ProcessInput();
  if (closed_) return;
  const int64_t limit = dispatcher_.settings().client_query_buffer_limit;
  if (static_cast<int64_t>(end_ - start_) > limit) {
    spdlog::warn("Closing client that reached max query buffer length: id={} addr={} (qbuf "
                 "initial bytes: {})",
                 state_.id, state_.addr, end_ - start_);
    ++dispatcher_.stats().client_query_buffer_limit_disconnections;
    Close();
    return;
  }
  FinishBatch();
}

template <typename Socket>
void Connection<Socket>::FinishBatch() {
  // Acknowledgements of writes leave only once the AOF holds the writes (on disk, with
  // appendfsync always); until then this client sends nothing and reads nothing more.
  if (dispatcher_.RepliesHeld()) {
    dispatcher_.AwaitDurable([self = this->shared_from_this()] {
      if (!self->closed_) self->FinishBatch();
    });
    return;
  }
  Flush();
  if (!closed_ && !state_.close_after_reply && !paused_ &&
      OutputBufferBytes() < kPendingOutputReadLimit) {
    Read();
  }
}

template <typename Socket>
void Connection<Socket>::ProcessInput() {
  const config::Settings& s = dispatcher_.settings();
  while (start_ < end_ && !state_.close_after_reply && !closed_) {
    resp::ParseLimits limits;
    limits.max_bulk_len = s.proto_max_bulk_len;
    limits.auth_required = dispatcher_.AuthRequired(state_);
    const std::string_view input(buffer_.data() + start_, end_ - start_);
    const resp::ParseStatus status = parser_.Parse(input, limits);
    if (status == resp::ParseStatus::kNeedMore) break;
    if (status == resp::ParseStatus::kError) {
      spdlog::debug("Protocol error ({}) from client: id={} addr={}", parser_.error(), state_.id,
                    state_.addr);
      reply_.Error(parser_.error());
      state_.close_after_reply = true;
      start_ = end_;
      break;
    }
    auto args = parser_.args();
    if (!args.empty()) {
      reply_.set_protocol(state_.resp);
      const auto outcome = dispatcher_.Dispatch(state_, args, reply_);
      if (outcome == command::Dispatcher::Outcome::kPaused) {
        paused_ = true;
        parser_.Reset();
        break;
      }
      if (outcome == command::Dispatcher::Outcome::kBlocked) {
        // The command ran; its reply comes later (WAIT), then Resume goes on.
        start_ += parser_.consumed();
        paused_ = true;
        break;
      }
    }
    start_ += parser_.consumed();
  }
  if (start_ == end_) {
    start_ = end_ = 0;
    if (buffer_.size() > kIdleBufferMax) std::string(kReadChunk, '\0').swap(buffer_);
  }
}

template <typename Socket>
bool Connection<Socket>::OverOutputLimits() {
  // Subscribed clients are in the pubsub class, as in Redis; everyone else is normal.
  const config::Settings& settings = dispatcher_.settings();
  const config::OutputBufferLimit& limit = state_.is_replica          ? settings.obuf_replica
                                           : state_.subscriptions.any() ? settings.obuf_pubsub
                                                                        : settings.obuf_normal;
  const auto pending = static_cast<int64_t>(OutputBufferBytes());
  if (limit.hard > 0 && pending > limit.hard) return true;
  if (limit.soft > 0 && pending > limit.soft) {
    const int64_t now = dispatcher_.clock().NowMs();
    if (over_soft_limit_since_ms_ == 0) {
      over_soft_limit_since_ms_ = now;
    } else if (now - over_soft_limit_since_ms_ > limit.soft_seconds * 1000) {
      return true;
    }
  } else {
    over_soft_limit_since_ms_ = 0;
  }
  return false;
}

template <typename Socket>
bool Connection<Socket>::CheckOutputLimits() {
  if (!OverOutputLimits()) return true;
  spdlog::warn("Client id={} addr={} closed for overcoming of output buffer limits.", state_.id,
               state_.addr);
  ++dispatcher_.stats().client_output_buffer_limit_disconnections;
  Close();
  return false;
}

template <typename Socket>
void Connection<Socket>::Flush() {
  if (closed_ || writing_in_flight_ || output_held_) return;
  if (out_.empty() && chunks_.empty()) {
    if (state_.close_after_reply) Close();
    return;
  }
  if (!CheckOutputLimits()) return;
  writing_in_flight_ = true;
  auto done = [self = this->shared_from_this()](const asio::error_code& ec, size_t) {
    self->OnWrite(ec);
  };
  if (chunks_.empty()) {
    // The common case: only this client's own replies, in one buffer.
    writing_.swap(out_);
    out_.clear();
    asio::async_write(socket_, asio::buffer(writing_), std::move(done));
    return;
  }
  if (chunk_bytes_ / chunks_.size() < kGatherMinChunk) {
    // Many small messages: one contiguous buffer makes one send, where a gathered write would
    // need a system call per few dozen chunks.
    writing_.reserve(chunk_bytes_ + out_.size());
    for (const auto& chunk : chunks_) writing_.append(*chunk);
    writing_.append(out_);
    chunk_bytes_ = 0;
    chunks_.clear();
    out_.clear();
    asio::async_write(socket_, asio::buffer(writing_), std::move(done));
    return;
  }
  if (!out_.empty()) {
    chunk_bytes_ += out_.size();
    chunks_.push_back(std::make_shared<const std::string>(std::move(out_)));
    out_.clear();
  }
  writing_chunks_.swap(chunks_);
  std::vector<asio::const_buffer> buffers;
  buffers.reserve(writing_chunks_.size());
  for (const auto& chunk : writing_chunks_) buffers.emplace_back(asio::buffer(*chunk));
  asio::async_write(socket_, buffers, std::move(done));
}

template <typename Socket>
void Connection<Socket>::OnWrite(const asio::error_code& ec) {
  writing_in_flight_ = false;
  size_t written = writing_.size();
  for (const auto& chunk : writing_chunks_) written += chunk->size();
  dispatcher_.stats().net_output_bytes += written;
  chunk_bytes_ -= written - writing_.size();
  writing_chunks_.clear();
  if (writing_.capacity() > kIdleBufferMax) {
    std::string().swap(writing_);
  } else {
    writing_.clear();
  }
  if (closed_) return;
  if (ec) {
    Close();
    return;
  }
  if (!out_.empty() || !chunks_.empty() || state_.close_after_reply) {
    Flush();
    return;
  }
  if (!reading_ && !paused_) Read();
}

template <typename Socket>
void Connection<Socket>::RequestClose() {
  asio::post(socket_.get_executor(), [self = this->shared_from_this()] { self->Close(); });
}

template <typename Socket>
void Connection<Socket>::Resume() {
  asio::post(socket_.get_executor(), [self = this->shared_from_this()] {
    if (self->closed_) return;
    self->paused_ = false;
    self->ProcessInput();
    if (!self->closed_) self->FinishBatch();
  });
}

template <typename Socket>
void Connection<Socket>::Deliver(std::string_view bytes) {
  if (closed_ || close_scheduled_ || state_.reply_off) return;
  out_.append(bytes);
  // A replica (or monitor) that stops reading is dropped at its class's limit, not buffered
  // for without bound.
  if (OverOutputLimits()) {
    ScheduleClose();
    return;
  }
  ScheduleFlush();
}

template <typename Socket>
void Connection<Socket>::DeliverShared(std::shared_ptr<const std::string> bytes) {
  if (closed_ || close_scheduled_) return;
  if (!out_.empty()) {
    chunk_bytes_ += out_.size();
    chunks_.push_back(std::make_shared<const std::string>(std::move(out_)));
    out_.clear();
  }
  chunk_bytes_ += bytes->size();
  chunks_.push_back(std::move(bytes));
  // A publisher never waits for a slow subscriber: past its limit the subscriber is closed, from
  // the event loop since the publisher may be walking the subscriber lists right now.
  if (OverOutputLimits()) {
    ScheduleClose();
    return;
  }
  ScheduleFlush();
}

template <typename Socket>
void Connection<Socket>::ScheduleClose() {
  // From the event loop: the caller may be walking subscriber or replica lists right now.
  close_scheduled_ = true;
  spdlog::warn("Client id={} addr={} scheduled to be closed ASAP for overcoming of output "
               "buffer limits.",
               state_.id, state_.addr);
  ++dispatcher_.stats().client_output_buffer_limit_disconnections;
  asio::post(socket_.get_executor(), [self = this->shared_from_this()] { self->Close(); });
}

template <typename Socket>
void Connection<Socket>::ScheduleFlush() {
  // Flush from the event loop, not from inside the command that produced the bytes: this
  // connection may be the one running it, and Flush may close it.
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(socket_.get_executor(), [self = this->shared_from_this()] {
    self->flush_posted_ = false;
    self->Flush();
  });
}

template <typename Socket>
void Connection<Socket>::HoldOutput(bool held) {
  output_held_ = held;
  if (!held) ScheduleFlush();
}

template <typename Socket>
void Connection<Socket>::Abort() {
  Close();
}

template <typename Socket>
void Connection<Socket>::Close() {
  if (closed_) return;
  closed_ = true;
  auto keep_alive = this->shared_from_this();  // the manager may hold the last reference
  if (registered_) {
    dispatcher_.RemoveClient(&state_);
    manager_.Remove(state_.id);
    registered_ = false;
  }
  asio::error_code ignored;
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  std::string().swap(buffer_);
  std::string().swap(out_);
  chunks_.clear();
}

template class Connection<asio::ip::tcp::socket>;
template class Connection<asio::local::stream_protocol::socket>;

}  // namespace petrel::net
