// Replication, both roles, over Redis 7.0's protocol:
//  - as a primary: replicas attach with PSYNC; they continue from the backlog (+CONTINUE) or get
//    a full sync (+FULLRESYNC and a snapshot a forked child writes to their sockets), then the
//    write stream, PINGs and REPLCONF GETACK;
//  - as a replica (replicaof): the link to the primary (replica_link.h) loads its snapshot and
//    applies its stream, and the same bytes are passed on, unchanged, to this server's own
//    replicas and backlog (cascading).
// Two replication ids (PSYNC2): after a promotion the old id stays valid up to the offset where
// the history forked, so the other replicas continue without a full sync.
#pragma once

#include <asio.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "petrel/command/context.h"
#include "petrel/command/dispatcher.h"
#include "petrel/replication/backlog.h"
#include "petrel/replication/propagator.h"

namespace petrel::persistence {
class Persistence;
}

namespace petrel::replication {

class ReplicaLink;

// A replica attached to this server, as INFO and ROLE show it.
struct AttachedReplica {
  enum class State { kWaitBgsaveStart, kWaitBgsaveEnd, kOnline };
  command::ClientState* client = nullptr;
  State state = State::kWaitBgsaveStart;
  int64_t listening_port = 0;
  std::string announced_ip;
  bool capa_eof = false;
  int64_t ack_offset = 0;
  int64_t ack_ms = 0;
  int64_t wait_since_ms = 0;
  bool awaiting_first_ack = false;  // after a full sync: the stream waits for its first ACK
};

class Replication final : public CommandLogSink {
 public:
  Replication(command::Dispatcher& server, asio::io_context& io,
              persistence::Persistence& persistence);
  ~Replication() override;

  // Start-up: follows the primary named by `replicaof`, if any.
  void Start();

  // CommandLogSink: the write stream of a primary (a replica forwards its primary's instead).
  void Append(int db, std::string_view command) override;
  // A command replicas get but the AOF does not (PUBLISH, so replicas' subscribers hear it).
  void PropagateToReplicas(int db, std::span<const std::string_view> args);

  // Commands.
  void Psync(command::CommandContext& c);  // PSYNC and SYNC
  void Replconf(command::CommandContext& c);
  void ReplicaOf(command::CommandContext& c);
  void Role(command::CommandContext& c);
  void Wait(command::CommandContext& c);
  void AppendInfo(std::string& out) const;
  // INFO stats figures.
  int64_t sync_full() const { return sync_full_; }
  int64_t sync_partial_ok() const { return sync_partial_ok_; }
  int64_t sync_partial_err() const { return sync_partial_err_; }

  // Once per cron tick: PINGs, ACKs, timeouts, the start of full syncs, the link's retries.
  void Cron();
  // A client connection closed (maybe an attached replica, maybe a WAIT).
  void ClientClosed(command::ClientState* c);

  bool is_replica() const { return link_ != nullptr; }
  // The link to the primary is up (a replica serving current data).
  bool link_up() const;
  // Replicas that acknowledged within min-replicas-max-lag (for min-replicas-to-write).
  int64_t GoodReplicas() const;

  // Used by the replica link.
  const std::string& replid() const { return replid_; }
  int64_t offset() const { return offset_; }
  // The link delivered stream bytes (already applied): pass them on.
  void ForwardStream(std::string_view bytes);
  // A full sync gave this server the primary's history: id and offset.
  void AdoptHistory(const std::string& replid, int64_t offset);
  // The primary continued under a new id (it was promoted): keep the old one as the second.
  void ContinueWithId(const std::string& replid);
  // Drops attached replicas (they reconnect and learn the new history).
  void DisconnectReplicas();
  command::Dispatcher& server() { return server_; }
  persistence::Persistence& persistence() { return persistence_; }
  asio::io_context& io() { return io_; }

 private:
  void Feed(std::string_view bytes);
  void EnsureBacklog();
  bool TryPartial(command::ClientState& c, std::string_view replid, int64_t from);
  void StartFullSyncs();
  void FullSyncDone(bool ok, const std::vector<uint64_t>& targets);
  AttachedReplica* Find(const command::ClientState* c);
  void BecomePrimary();
  void ShiftReplicationId();
  void AnswerWaiters(bool timeouts_only);
  void SendGetack();

  command::Dispatcher& server_;
  asio::io_context& io_;
  persistence::Persistence& persistence_;
  std::string replid_;
  std::string replid2_ = std::string(40, '0');
  int64_t offset_ = 0;          // master_repl_offset
  int64_t second_offset_ = -1;  // second_repl_offset
  std::unique_ptr<Backlog> backlog_;
  int64_t no_replicas_since_ms_ = 0;
  int selected_db_ = -1;  // of the stream this server produces
  std::vector<AttachedReplica> replicas_;
  std::unique_ptr<ReplicaLink> link_;
  int64_t last_ping_ms_ = 0;
  bool sync_in_progress_ = false;
  // WAIT: clients blocked until enough replicas acknowledged `offset`.
  struct Waiter {
    command::ClientState* client;
    int64_t offset;
    int64_t needed;
    int64_t deadline_ms;  // 0: none
  };
  std::vector<Waiter> waiters_;
  bool getack_pending_ = false;
  int64_t sync_full_ = 0;
  int64_t sync_partial_ok_ = 0;
  int64_t sync_partial_err_ = 0;
};

}  // namespace petrel::replication
