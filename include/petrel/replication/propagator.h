// The write log: every command that changed data, in the deterministic form it is replayed in,
// goes from here to the AOF (and the replication stream). Commands are RESP-encoded once; each
// sink keeps its own idea of the selected database and adds SELECT where it changes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace petrel::replication {

class CommandLogSink {
 public:
  virtual ~CommandLogSink() = default;
  // One encoded command to run in database `db` (-1: any database, e.g. MULTI and EXEC).
  virtual void Append(int db, std::string_view command) = 0;
};

// Appends `args` to `out` as a RESP array of bulk strings.
void EncodeCommand(std::span<const std::string_view> args, std::string& out);

class Propagator {
 public:
  void AddSink(CommandLogSink* sink);
  void RemoveSink(CommandLogSink* sink);
  bool active() const { return !sinks_.empty(); }

  // Sends a command to every sink at once (expired-key deletions, which happen between or
  // before commands).
  void Emit(int db, std::span<const std::string_view> args);

  // The commands one client call propagates are collected and sent when the call ends; more
  // than one (a transaction, or a command that wrote several ways) go inside MULTI/EXEC so a
  // replayer applies all or nothing, as Redis 7.0 does.
  void BeginCall() { ++depth_; }
  // Calls in progress: 1 for a client's command, 2 and more for the commands EXEC runs.
  int depth() const { return depth_; }
  void Add(int db, std::span<const std::string_view> args);
  void EndCall();

 private:
  struct Pending {
    int db;
    size_t offset, length;  // in pending_bytes_
  };
  void Send(int db, std::string_view command);

  std::vector<CommandLogSink*> sinks_;
  int depth_ = 0;
  std::vector<Pending> pending_;
  std::string pending_bytes_;
  std::string scratch_;
};

}  // namespace petrel::replication
