#include "petrel/replication/propagator.h"

#include <algorithm>
#include <charconv>

namespace petrel::replication {
namespace {

void AppendNumberLine(char kind, size_t n, std::string& out) {
  char buf[24];
  buf[0] = kind;
  char* end = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n).ptr;
  *end++ = '\r';
  *end++ = '\n';
  out.append(buf, end);
}

}  // namespace

void EncodeCommand(std::span<const std::string_view> args, std::string& out) {
  AppendNumberLine('*', args.size(), out);
  for (std::string_view a : args) {
    AppendNumberLine('$', a.size(), out);
    out.append(a);
    out.append("\r\n", 2);
  }
}

void Propagator::AddSink(CommandLogSink* sink) { sinks_.push_back(sink); }

void Propagator::RemoveSink(CommandLogSink* sink) {
  sinks_.erase(std::remove(sinks_.begin(), sinks_.end(), sink), sinks_.end());
}

void Propagator::Send(int db, std::string_view command) {
  for (CommandLogSink* sink : sinks_) sink->Append(db, command);
}

void Propagator::Emit(int db, std::span<const std::string_view> args) {
  if (sinks_.empty()) return;
  scratch_.clear();
  EncodeCommand(args, scratch_);
  Send(db, scratch_);
}

void Propagator::Add(int db, std::span<const std::string_view> args) {
  if (sinks_.empty()) return;
  const size_t offset = pending_bytes_.size();
  EncodeCommand(args, pending_bytes_);
  pending_.push_back({db, offset, pending_bytes_.size() - offset});
}

void Propagator::EndCall() {
  if (--depth_ > 0 || pending_.empty()) return;
  const bool wrap = pending_.size() > 1;
  if (wrap) Send(-1, "*1\r\n$5\r\nMULTI\r\n");
  for (const Pending& p : pending_) {
    Send(p.db, std::string_view(pending_bytes_).substr(p.offset, p.length));
  }
  if (wrap) Send(-1, "*1\r\n$4\r\nEXEC\r\n");
  pending_.clear();
  pending_bytes_.clear();
  if (pending_bytes_.capacity() > (1 << 20)) std::string().swap(pending_bytes_);
}

}  // namespace petrel::replication
