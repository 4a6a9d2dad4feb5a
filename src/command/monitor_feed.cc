// MONITOR: the line every monitor gets for each command that runs.
#include <algorithm>
#include <cctype>
#include <cstdio>

#include "petrel/command/dispatcher.h"

namespace petrel::command {
namespace {

// An argument in double quotes, escaped the way Redis's sdscatrepr escapes it.
void AppendQuoted(std::string* out, std::string_view arg) {
  out->push_back('"');
  for (const char ch : arg) {
    switch (ch) {
      case '\\': *out += "\\\\"; break;
      case '"': *out += "\\\""; break;
      case '\n': *out += "\\n"; break;
      case '\r': *out += "\\r"; break;
      case '\t': *out += "\\t"; break;
      case '\a': *out += "\\a"; break;
      case '\b': *out += "\\b"; break;
      default:
        if (std::isprint(static_cast<unsigned char>(ch))) {
          out->push_back(ch);
        } else {
          char hex[5];
          std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<unsigned char>(ch));
          *out += hex;
        }
    }
  }
  out->push_back('"');
}

}  // namespace

void Dispatcher::AddMonitor(ClientState* c) {
  c->monitor = true;
  monitors_.push_back(c);
}

void Dispatcher::RemoveMonitor(ClientState* c) {
  if (!c->monitor) return;
  c->monitor = false;
  std::erase(monitors_, c);
}

void Dispatcher::FeedMonitors(const ClientState& client, std::span<const std::string_view> args) {
  // "+<seconds>.<microseconds> [<db> <address>] "arg" "arg"..."
  const int64_t now_us = clock_.NowUs();
  char stamp[48];
  std::snprintf(stamp, sizeof(stamp), "+%lld.%06lld [%d ", static_cast<long long>(now_us / 1000000),
                static_cast<long long>(now_us % 1000000), client.db);
  std::string line = stamp;
  if (client.unix_socket) {
    line += "unix:" + settings().unixsocket;
  } else {
    line += client.addr;
  }
  line += ']';
  for (size_t i = 0; i < args.size(); ++i) {
    line += ' ';
    const bool redacted = std::find(redacted_.begin(), redacted_.end(), i) != redacted_.end();
    AppendQuoted(&line, redacted ? std::string_view("(redacted)") : args[i]);
  }
  line += "\r\n";
  for (ClientState* m : monitors_) {
    if (m->link != nullptr) m->link->Deliver(line);
  }
}

}  // namespace petrel::command
