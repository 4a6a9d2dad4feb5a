#include "petrel/replication/replication.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "petrel/command/arg_parser.h"
#include "petrel/command/errors.h"
#include "petrel/persistence/persistence.h"
#include "petrel/replication/replica_link.h"
#include "petrel/util/log_role.h"
#include "petrel/util/numbers.h"

namespace petrel::replication {
namespace {

constexpr std::string_view kPing = "*1\r\n$4\r\nping\r\n";
constexpr std::string_view kGetack = "*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n";

std::string NewReplicationId() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  const char* digits = "0123456789abcdef";
  std::string id(40, '0');
  for (char& c : id) c = digits[rng() & 15];
  return id;
}

// The IP of "ip:port" or "[ip6]:port" as CLIENT LIST shows a client's address.
std::string AddressIp(const std::string& addr) {
  if (!addr.empty() && addr[0] == '[') return addr.substr(1, addr.find(']') - 1);
  return addr.substr(0, addr.rfind(':'));
}

}  // namespace

Replication::Replication(command::Dispatcher& server, asio::io_context& io,
                         persistence::Persistence& persistence)
    : server_(server), io_(io), persistence_(persistence), replid_(NewReplicationId()) {
  server_.set_replication(this);
  server_.propagator().AddSink(this);
  no_replicas_since_ms_ = server_.clock().NowMs();
  persistence_.replication_info = [this](std::string* id, int64_t* offset, int* db) {
    if (!backlog_ && !is_replica()) return;  // not part of any replication history
    *id = replid_;
    *offset = offset_;
    *db = is_replica() ? link_->stream_db() : std::max(selected_db_, 0);
  };
}

Replication::~Replication() {
  persistence_.replication_info = nullptr;
  server_.propagator().RemoveSink(this);
  server_.set_replication(nullptr);
}

void Replication::Start() {
  const config::Settings& s = server_.settings();
  if (s.replicaof_host.empty()) return;
  // A replica restarted on its own snapshot continues where the snapshot stands.
  if (!persistence_.loaded_repl_id().empty()) {
    replid_ = persistence_.loaded_repl_id();
    offset_ = persistence_.loaded_repl_offset();
    EnsureBacklog();
    spdlog::info("Using the replication id {} and offset {} of the loaded snapshot", replid_,
                 offset_);
  }
  spdlog::info("Connecting to MASTER {}:{}", s.replicaof_host, s.replicaof_port);
  link_ = std::make_unique<ReplicaLink>(*this, s.replicaof_host, s.replicaof_port,
                                        !persistence_.loaded_repl_id().empty());
  util::SetLogRole('S');
  if (!persistence_.loaded_repl_id().empty()) link_->set_stream_db(persistence_.loaded_repl_stream_db());
  server_.keyspace().set_replica_mode(true);
}

bool Replication::link_up() const { return link_ != nullptr && link_->up(); }

// ---- The stream this server produces ---------------------------------------------------------

void Replication::EnsureBacklog() {
  if (backlog_) return;
  backlog_ = std::make_unique<Backlog>(static_cast<size_t>(server_.settings().repl_backlog_size));
  backlog_->Reset(offset_);
}

void Replication::Feed(std::string_view bytes) {
  backlog_->Append(bytes);
  offset_ += static_cast<int64_t>(bytes.size());
  for (AttachedReplica& r : replicas_) {
    if (r.state != AttachedReplica::State::kWaitBgsaveStart) r.client->link->Deliver(bytes);
  }
}

void Replication::Append(int db, std::string_view command) {
  // A replica passes on its primary's stream instead; without a backlog nobody listens.
  if (is_replica() || !backlog_) return;
  if (db >= 0 && db != selected_db_) {
    const std::string index = std::to_string(db);
    const std::string_view select[] = {"SELECT", index};
    std::string encoded;
    EncodeCommand(select, encoded);
    Feed(encoded);
    selected_db_ = db;
  }
  Feed(command);
}

void Replication::PropagateToReplicas(int db, std::span<const std::string_view> args) {
  if (is_replica() || !backlog_) return;
  std::string encoded;
  EncodeCommand(args, encoded);
  Append(db, encoded);
}

void Replication::ForwardStream(std::string_view bytes) {
  EnsureBacklog();
  Feed(bytes);
}

void Replication::AdoptHistory(const std::string& replid, int64_t offset) {
  replid_ = replid;
  replid2_.assign(40, '0');
  second_offset_ = -1;
  offset_ = offset;
  EnsureBacklog();
  backlog_->Reset(offset);
  DisconnectReplicas();
}

void Replication::ContinueWithId(const std::string& replid) {
  if (replid == replid_) return;
  // The primary was promoted: our history up to here is also its old history.
  replid2_ = replid_;
  second_offset_ = offset_ + 1;
  replid_ = replid;
  DisconnectReplicas();
}

void Replication::ShiftReplicationId() {
  replid2_ = replid_;
  second_offset_ = offset_ + 1;
  replid_ = NewReplicationId();
  spdlog::info("Setting secondary replication ID to {}, valid up to offset: {}. New replication "
               "ID is {}",
               replid2_, second_offset_, replid_);
}

void Replication::DisconnectReplicas() {
  for (AttachedReplica& r : replicas_) r.client->link->RequestClose();
}

// ---- Replicas attaching -----------------------------------------------------------------------

AttachedReplica* Replication::Find(const command::ClientState* c) {
  for (AttachedReplica& r : replicas_) {
    if (r.client == c) return &r;
  }
  return nullptr;
}

bool Replication::TryPartial(command::ClientState& c, std::string_view replid, int64_t from) {
  const bool same_history =
      replid == replid_ || (replid == replid2_ && from <= second_offset_);
  if (!same_history) {
    if (replid != "?") {
      spdlog::info("Partial resynchronization not accepted: Replication ID mismatch (Replica "
                   "asked for '{}', my replication IDs are '{}' and '{}')",
                   replid, replid_, replid2_);
    }
    return false;
  }
  std::string missing;
  if (!backlog_ || !backlog_->CopyFrom(from, missing)) {
    spdlog::info("Unable to partial resync with replica {} for lack of backlog (Replica request "
                 "was: {}).",
                 c.addr, from);
    return false;
  }
  c.link->Deliver("+CONTINUE " + replid_ + "\r\n");
  c.link->Deliver(missing);
  spdlog::info("Partial resynchronization request from {} accepted. Sending {} bytes of backlog "
               "starting from offset {}.",
               c.addr, missing.size(), from);
  return true;
}

void Replication::Psync(command::CommandContext& c) {
  command::ClientState& client = c.client;
  if (Find(&client) != nullptr) return;  // already a replica: ignored, as in Redis
  if (is_replica() && !link_up()) {
    c.reply.Error("-NOMASTERLINK Can't SYNC while not connected with my master");
    return;
  }
  const bool psync = c.argc() == 3;
  const std::string_view replid = psync ? c.arg(1) : "?";
  const int64_t from = psync ? util::ParseInt64(c.arg(2)).value_or(-1) : -1;
  AttachedReplica r;
  r.client = &client;
  r.ack_ms = server_.clock().NowMs();
  r.wait_since_ms = r.ack_ms;
  // What the replica said with REPLCONF before PSYNC.
  r.listening_port = client.repl_listening_port;
  r.announced_ip = client.repl_announced_ip;
  r.capa_eof = client.repl_capa_eof;
  client.is_replica = true;
  if (replicas_.empty()) last_ping_ms_ = server_.clock().NowMs();  // first PING a period on
  EnsureBacklog();
  if (psync && TryPartial(client, replid, from)) {
    ++sync_partial_ok_;
    r.state = AttachedReplica::State::kOnline;
    r.ack_offset = from - 1;
    replicas_.push_back(r);
    return;
  }
  if (psync && replid != "?") ++sync_partial_err_;
  ++sync_full_;
  spdlog::info("Replica {} asks for synchronization", client.addr);
  spdlog::info("Full resync requested by replica {}", client.addr);
  replicas_.push_back(r);
  // Without a delay to wait out, start now rather than at the next cron tick.
  if (server_.settings().repl_diskless_sync_delay == 0 || !server_.settings().repl_diskless_sync) {
    asio::post(io_, [this] {
      if (!sync_in_progress_) StartFullSyncs();
    });
  }
}

void Replication::StartFullSyncs() {
  const config::Settings& s = server_.settings();
  const int64_t now = server_.clock().NowMs();
  std::vector<command::ClientState*> ready;
  int64_t longest_wait = 0;
  size_t waiting = 0;
  bool all_eof = true;
  for (AttachedReplica& r : replicas_) {
    if (r.state != AttachedReplica::State::kWaitBgsaveStart) continue;
    ++waiting;
    longest_wait = std::max(longest_wait, now - r.wait_since_ms);
    all_eof = all_eof && r.capa_eof;
    // The child writes to the socket: nothing of ours may be in flight on it.
    if (r.client->link->OutputBufferBytes() == 0) ready.push_back(r.client);
  }
  if (ready.empty() || ready.size() != waiting) return;
  // Replicas that do not understand the EOF framing get the snapshot through a file.
  const bool diskless = s.repl_diskless_sync && all_eof;
  const bool enough = s.repl_diskless_sync_max_replicas > 0 &&
                      static_cast<int64_t>(waiting) >= s.repl_diskless_sync_max_replicas;
  if (diskless && !enough && longest_wait < s.repl_diskless_sync_delay * 1000) return;
  std::vector<int> fds;
  std::vector<uint64_t> ids;
  for (command::ClientState* c : ready) {
    fds.push_back(c->link->Fd());
    ids.push_back(c->id);
  }
  // The replicas get the stream from the fork on; the child writes +FULLRESYNC with this offset.
  const std::string header = "+FULLRESYNC " + replid_ + " " + std::to_string(offset_) + "\r\n";
  const auto started = persistence_.StartReplicationSync(
      fds, diskless, header, replid_, offset_,
      [this, ids](bool ok) { FullSyncDone(ok, ids); });
  if (started != persistence::StartResult::kStarted) return;  // another child: next tick
  selected_db_ = -1;  // the loaded snapshot leaves the replicas in database 0
  sync_in_progress_ = true;
  for (command::ClientState* c : ready) {
    c->link->HoldOutput(true);
    Find(c)->state = AttachedReplica::State::kWaitBgsaveEnd;
  }
  spdlog::info("Starting BGSAVE for SYNC with target: {}", diskless ? "replicas sockets" : "disk");
}

void Replication::FullSyncDone(bool ok, const std::vector<uint64_t>& targets) {
  sync_in_progress_ = false;
  const int64_t now = server_.clock().NowMs();
  for (uint64_t id : targets) {
    // By id: a replica that went away meanwhile may have left its address to a new one.
    auto it = std::find_if(replicas_.begin(), replicas_.end(),
                           [id](const AttachedReplica& r) { return r.client->id == id; });
    if (it == replicas_.end() || it->state != AttachedReplica::State::kWaitBgsaveEnd) continue;
    AttachedReplica* r = &*it;
    command::ClientState* c = r->client;
    if (!ok) {
      spdlog::warn("Full sync of replica {} failed", c->addr);
      c->link->RequestClose();
      continue;
    }
    // Online once it acknowledges the load (Redis 7 does the same): until then the stream
    // stays held, so nothing follows the snapshot's end mark in the same read.
    r->state = AttachedReplica::State::kOnline;
    r->ack_ms = now;
    r->awaiting_first_ack = true;
    spdlog::info("Synchronization with replica {} succeeded", c->addr);
  }
}

void Replication::ClientClosed(command::ClientState* c) {
  const auto it = std::find_if(replicas_.begin(), replicas_.end(),
                               [c](const AttachedReplica& r) { return r.client == c; });
  if (it != replicas_.end()) {
    spdlog::info("Connection with replica {} lost.", c->addr);
    replicas_.erase(it);
    if (replicas_.empty()) no_replicas_since_ms_ = server_.clock().NowMs();
  }
  waiters_.erase(std::remove_if(waiters_.begin(), waiters_.end(),
                                [c](const Waiter& w) { return w.client == c; }),
                 waiters_.end());
}

// ---- REPLCONF, WAIT ---------------------------------------------------------------------------

void Replication::Replconf(command::CommandContext& c) {
  if (c.argc() % 2 == 0) {
    c.reply.Error(command::errors::kSyntax);
    return;
  }
  for (size_t i = 1; i < c.argc(); i += 2) {
    const std::string_view option = c.arg(i);
    const std::string_view value = c.arg(i + 1);
    if (command::EqualsIgnoreCase(option, "ack")) {
      // From an attached replica: its offset. Never answered.
      if (AttachedReplica* r = Find(&c.client)) {
        if (r->awaiting_first_ack) {
          r->awaiting_first_ack = false;
          c.client.link->HoldOutput(false);
        }
        const int64_t offset = util::ParseInt64(value).value_or(r->ack_offset);
        r->ack_offset = std::max(r->ack_offset, offset);
        r->ack_ms = server_.clock().NowMs();
        if (!waiters_.empty()) AnswerWaiters(false);
      }
      return;
    }
    if (command::EqualsIgnoreCase(option, "getack")) {
      // From our primary: answer with the offset applied so far (not counting this command).
      if (c.client.is_primary_link && link_) link_->SendAck();
      return;
    }
    if (command::EqualsIgnoreCase(option, "listening-port")) {
      auto port = util::ParseInt64(value);
      if (!port) {
        c.reply.Error(command::errors::kNotInteger);
        return;
      }
      c.client.repl_listening_port = *port;
    } else if (command::EqualsIgnoreCase(option, "ip-address")) {
      c.client.repl_announced_ip = std::string(value);
    } else if (command::EqualsIgnoreCase(option, "capa")) {
      if (command::EqualsIgnoreCase(value, "eof")) c.client.repl_capa_eof = true;
    } else if (command::EqualsIgnoreCase(option, "rdb-only") ||
               command::EqualsIgnoreCase(option, "rdb-filter-only")) {
      // Accepted (redis-cli --rdb); Petrel always sends the whole stream.
    } else {
      c.reply.Error("Unrecognized REPLCONF option: " + std::string(option));
      return;
    }
  }
  c.reply.Ok();
}

void Replication::SendGetack() {
  if (getack_pending_ || replicas_.empty()) return;
  getack_pending_ = true;
  // Once per round of the event loop, however many clients WAIT, as Redis does in beforeSleep.
  asio::post(io_, [this] {
    getack_pending_ = false;
    if (backlog_ && !replicas_.empty() && !is_replica()) Feed(kGetack);
  });
}

void Replication::Wait(command::CommandContext& c) {
  if (is_replica()) {
    c.reply.Error("WAIT cannot be used with replica instances. Please also note that since "
                  "Redis 4.0 if a replica is configured to be writable (which is not the "
                  "default) writes to replicas are just local and are not propagated.");
    return;
  }
  auto needed = util::ParseInt64(c.arg(1));
  auto timeout = util::ParseInt64(c.arg(2));
  if (!needed) {
    c.reply.Error(command::errors::kNotInteger);
    return;
  }
  if (!timeout || *timeout < 0) {
    c.reply.Error(!timeout ? "timeout is not an integer or out of range" : "timeout is negative");
    return;
  }
  const int64_t target = c.client.repl_write_offset;
  int64_t acked = 0;
  for (const AttachedReplica& r : replicas_) {
    if (r.state == AttachedReplica::State::kOnline && r.ack_offset >= target) ++acked;
  }
  // Inside MULTI, or already satisfied: answer now.
  if (acked >= *needed || c.client.in_exec) {
    c.reply.Integer(acked);
    return;
  }
  const int64_t deadline = *timeout == 0 ? 0 : server_.clock().NowMs() + *timeout;
  waiters_.push_back({&c.client, target, *needed, deadline});
  c.client.blocked = true;
  SendGetack();
}

void Replication::AnswerWaiters(bool timeouts_only) {
  const int64_t now = server_.clock().NowMs();
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    int64_t acked = 0;
    for (const AttachedReplica& r : replicas_) {
      if (r.state == AttachedReplica::State::kOnline && r.ack_offset >= it->offset) ++acked;
    }
    const bool timed_out = it->deadline_ms != 0 && now >= it->deadline_ms;
    if ((timeouts_only && !timed_out) || (!timed_out && acked < it->needed)) {
      ++it;
      continue;
    }
    command::ClientState* client = it->client;
    it = waiters_.erase(it);
    client->blocked = false;
    client->link->Deliver(":" + std::to_string(acked) + "\r\n");
    client->link->Resume();
  }
}

int64_t Replication::GoodReplicas() const {
  const int64_t now = server_.clock().NowMs();
  const int64_t max_lag_ms = server_.settings().min_replicas_max_lag * 1000;
  int64_t good = 0;
  for (const AttachedReplica& r : replicas_) {
    if (r.state == AttachedReplica::State::kOnline && now - r.ack_ms <= max_lag_ms) ++good;
  }
  return good;
}

// ---- REPLICAOF, ROLE, INFO --------------------------------------------------------------------

void Replication::BecomePrimary() {
  if (!link_) return;
  link_.reset();
  util::SetLogRole('M');
  server_.keyspace().set_replica_mode(false);
  ShiftReplicationId();
  selected_db_ = -1;
  // Our replicas must learn the new id; they continue at once (PSYNC2) when they reconnect.
  DisconnectReplicas();
  spdlog::info("MASTER MODE enabled (user request from '{}')", "REPLICAOF NO ONE");
}

void Replication::ReplicaOf(command::CommandContext& c) {
  config::Settings& s = c.server.config().settings();
  if (command::EqualsIgnoreCase(c.arg(1), "no") && command::EqualsIgnoreCase(c.arg(2), "one")) {
    if (link_) {
      BecomePrimary();
      s.replicaof_host.clear();
      s.replicaof_port = 0;
    }
    c.reply.Ok();
    return;
  }
  auto port = util::ParseInt64(c.arg(2));
  if (!port || *port < 0 || *port > 65535) {
    c.reply.Error("Invalid master port");
    return;
  }
  const std::string host(c.arg(1));
  if (link_ && link_->host() == host && link_->port() == *port) {
    spdlog::info("REPLICAOF would result into synchronization with the master we are already "
                 "connected with. No operation performed.");
    c.reply.SimpleString("OK Already connected to specified master");
    return;
  }
  if (!link_) {
    // Our own history becomes the one to continue from, should the new primary share it.
    DisconnectReplicas();
  }
  // A primary turning replica offers its own history first (the new primary may share it).
  link_ = std::make_unique<ReplicaLink>(*this, host, *port, true);
  util::SetLogRole('S');
  server_.keyspace().set_replica_mode(true);
  s.replicaof_host = host;
  s.replicaof_port = *port;
  spdlog::info("REPLICAOF {}:{} enabled (user request from '{}')", host, *port, c.client.addr);
  c.reply.Ok();
}

void Replication::Role(command::CommandContext& c) {
  if (link_) {
    c.reply.Array(5);
    c.reply.Bulk("slave");
    c.reply.Bulk(link_->host());
    c.reply.Integer(link_->port());
    c.reply.Bulk(link_->state_name());
    c.reply.Integer(link_->up() ? offset_ : -1);
    return;
  }
  std::vector<const AttachedReplica*> online;
  for (const AttachedReplica& r : replicas_) {
    if (r.state == AttachedReplica::State::kOnline) online.push_back(&r);
  }
  c.reply.Array(3);
  c.reply.Bulk("master");
  c.reply.Integer(offset_);
  c.reply.Array(online.size());
  for (const AttachedReplica* r : online) {
    c.reply.Array(3);
    c.reply.Bulk(r->announced_ip.empty() ? AddressIp(r->client->addr) : r->announced_ip);
    c.reply.Bulk(std::to_string(r->listening_port));
    c.reply.Bulk(std::to_string(r->ack_offset));
  }
}

void Replication::AppendInfo(std::string& out) const {
  const config::Settings& s = server_.settings();
  const int64_t now = server_.clock().NowMs();
  auto line = [&out](std::string_view name, const std::string& value) {
    out.append(name);
    out += ':';
    out += value;
    out += "\r\n";
  };
  auto num = [](int64_t v) { return std::to_string(v); };
  if (link_) {
    line("role", "slave");
    line("master_host", link_->host());
    line("master_port", num(link_->port()));
    line("master_link_status", link_->up() ? "up" : "down");
    line("master_last_io_seconds_ago",
         num(link_->last_io_ms() < 0 ? -1 : (now - link_->last_io_ms()) / 1000));
    line("master_sync_in_progress", link_->syncing() ? "1" : "0");
    line("slave_read_repl_offset", num(link_->read_offset()));
    line("slave_repl_offset", num(offset_));
    if (link_->syncing()) {
      const int64_t total = link_->sync_total_bytes();
      const int64_t read = link_->sync_read_bytes();
      line("master_sync_total_bytes", num(total));
      line("master_sync_read_bytes", num(read));
      line("master_sync_left_bytes", num(total < 0 ? -1 : total - read));
      char perc[32];
      std::snprintf(perc, sizeof(perc), "%.2f",
                    total <= 0 ? 0.0 : static_cast<double>(read) * 100 / static_cast<double>(total));
      line("master_sync_perc", perc);
      line("master_sync_last_io_seconds_ago", num((now - link_->sync_last_io_ms()) / 1000));
    }
    if (!link_->up()) {
      line("master_link_down_since_seconds",
           num(link_->down_since_ms() == 0 ? -1 : (now - link_->down_since_ms()) / 1000));
    }
    line("slave_priority", num(s.replica_priority));
    line("slave_read_only", s.replica_read_only ? "1" : "0");
    line("replica_announced", s.replica_announced ? "1" : "0");
  } else {
    line("role", "master");
  }
  line("connected_slaves", num(static_cast<int64_t>(replicas_.size())));
  if (!link_ && s.min_replicas_to_write > 0 && s.min_replicas_max_lag > 0) {
    line("min_slaves_good_slaves", num(GoodReplicas()));
  }
  for (size_t i = 0; i < replicas_.size(); ++i) {
    const AttachedReplica& r = replicas_[i];
    const char* state = r.state == AttachedReplica::State::kOnline ? "online" : "wait_bgsave";
    line("slave" + std::to_string(i),
         "ip=" + (r.announced_ip.empty() ? AddressIp(r.client->addr) : r.announced_ip) +
             ",port=" + num(r.listening_port) + ",state=" + state + ",offset=" +
             num(r.ack_offset) + ",lag=" + num((now - r.ack_ms) / 1000));
  }
  line("master_failover_state", "no-failover");
  line("master_replid", replid_);
  line("master_replid2", replid2_);
  line("master_repl_offset", num(offset_));
  line("second_repl_offset", num(second_offset_));
  line("repl_backlog_active", backlog_ ? "1" : "0");
  line("repl_backlog_size", num(s.repl_backlog_size));
  line("repl_backlog_first_byte_offset", num(backlog_ ? backlog_->first_offset() : 0));
  line("repl_backlog_histlen", num(backlog_ ? static_cast<int64_t>(backlog_->histlen()) : 0));
}

// ---- Cron -------------------------------------------------------------------------------------

void Replication::Cron() {
  const config::Settings& s = server_.settings();
  const int64_t now = server_.clock().NowMs();
  if (link_) link_->Cron();
  if (backlog_ && backlog_->capacity() != static_cast<size_t>(s.repl_backlog_size)) {
    backlog_->Resize(static_cast<size_t>(s.repl_backlog_size));
  }
  if (!is_replica()) {
    if (!replicas_.empty() && now - last_ping_ms_ >= s.repl_ping_replica_period * 1000) {
      last_ping_ms_ = now;
      Feed(kPing);
    }
    // A primary without replicas for repl-backlog-ttl frees its backlog (and, as Redis does,
    // takes a new id: nobody can continue the old history from it anyway).
    if (backlog_ && replicas_.empty() && s.repl_backlog_ttl > 0 &&
        now - no_replicas_since_ms_ > s.repl_backlog_ttl * 1000) {
      backlog_.reset();
      replid_ = NewReplicationId();
      replid2_.assign(40, '0');
      second_offset_ = -1;
      spdlog::info("Replication backlog freed after {} seconds without connected replicas.",
                   s.repl_backlog_ttl);
    }
  }
  // Replicas waiting for a full sync, and newlines that keep their links alive meanwhile.
  for (AttachedReplica& r : replicas_) {
    if (r.state == AttachedReplica::State::kWaitBgsaveStart && now - r.ack_ms >= 1000) {
      r.ack_ms = now;
      r.client->link->Deliver("\n");
    }
  }
  if (!sync_in_progress_) StartFullSyncs();
  // Replicas silent for longer than repl-timeout are dropped.
  for (AttachedReplica& r : replicas_) {
    if (r.state == AttachedReplica::State::kOnline && now - r.ack_ms > s.repl_timeout * 1000) {
      spdlog::warn("Disconnecting timedout replica (streaming sync): {}", r.client->addr);
      r.client->link->RequestClose();
    }
  }
  if (!waiters_.empty()) AnswerWaiters(true);
}

}  // namespace petrel::replication
