// Runs commands against a real Dispatcher in-process, with a fake clock, and returns the raw
// reply bytes.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "petrel/command/dispatcher.h"
#include "petrel/config/config.h"
#include "petrel/resp/reply_builder.h"
#include "petrel/util/clock.h"

namespace petrel::testing {

class Harness {
 public:
  Harness() : dispatcher_(config_, clock_), reply_(&out_) {
    client_.id = dispatcher_.NextClientId();
    client_.authenticated = true;
    dispatcher_.AddClient(&client_);
  }
  ~Harness() { dispatcher_.RemoveClient(&client_); }

  // Runs one command and returns its reply bytes.
  std::string Run(std::initializer_list<std::string_view> args) {
    return Run(std::vector<std::string_view>(args));
  }
  std::string Run(const std::vector<std::string_view>& args) {
    out_.clear();
    reply_.set_protocol(client_.resp);
    dispatcher_.Dispatch(client_, args, reply_);
    return out_;
  }
  std::string Run(const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    return Run(views);
  }

  void AdvanceMs(int64_t ms) { clock_.Advance(ms); }
  util::FakeClock& clock() { return clock_; }
  command::Dispatcher& dispatcher() { return dispatcher_; }
  command::ClientState& client() { return client_; }
  config::Config& config() { return config_; }

 private:
  util::FakeClock clock_;
  config::Config config_;
  command::Dispatcher dispatcher_;
  command::ClientState client_;
  std::string out_;
  resp::ReplyBuilder reply_;
};

}  // namespace petrel::testing
