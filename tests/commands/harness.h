// Runs commands against a real Dispatcher in-process, with a fake clock, and returns the raw
// reply bytes. Harness::Connect adds more clients (WATCH conflicts, MONITOR).
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "petrel/command/dispatcher.h"
#include "petrel/config/config.h"
#include "petrel/resp/reply_builder.h"
#include "petrel/util/clock.h"

namespace petrel::testing {

// The socket side of a test client: keeps the bytes delivered outside replies (MONITOR lines).
class FakeLink final : public command::ClientLink {
 public:
  void RequestClose() override { close_requested = true; }
  void Resume() override {}
  size_t QueryBufferBytes() const override { return 0; }
  size_t QueryBufferFree() const override { return 0; }
  size_t OutputBufferBytes() const override { return 0; }
  int Fd() const override { return -1; }
  void Deliver(std::string_view bytes) override { delivered.append(bytes); }
  void DeliverShared(std::shared_ptr<const std::string> bytes) override {
    delivered.append(*bytes);
  }
  void HoldOutput(bool) override {}

  std::string delivered;
  bool close_requested = false;
};

// One client connection to the dispatcher, registered while it lives.
class TestClient {
 public:
  TestClient(command::Dispatcher& dispatcher, std::string addr)
      : dispatcher_(dispatcher), reply_(&out_) {
    state_.id = dispatcher_.NextClientId();
    state_.addr = std::move(addr);
    state_.authenticated = true;
    state_.link = &link_;
    dispatcher_.AddClient(&state_);
  }
  ~TestClient() { dispatcher_.RemoveClient(&state_); }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // Runs one command and returns its reply bytes.
  std::string Run(std::initializer_list<std::string_view> args) {
    return Run(std::vector<std::string_view>(args));
  }
  std::string Run(const std::vector<std::string_view>& args) {
    out_.clear();
    reply_.set_protocol(state_.resp);
    dispatcher_.Dispatch(state_, args, reply_);
    return out_;
  }
  std::string Run(const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    return Run(views);
  }
  // The bytes delivered since the last call (MONITOR lines).
  std::string TakeDelivered() { return std::exchange(link_.delivered, {}); }

  command::ClientState& state() { return state_; }
  FakeLink& link() { return link_; }

 private:
  command::Dispatcher& dispatcher_;
  command::ClientState state_;
  FakeLink link_;
  std::string out_;
  resp::ReplyBuilder reply_;
};

class Harness {
 public:
  Harness() : dispatcher_(config_, clock_), main_(dispatcher_, "") {}

  // Runs one command as the main client and returns its reply bytes.
  std::string Run(std::initializer_list<std::string_view> args) { return main_.Run(args); }
  std::string Run(const std::vector<std::string_view>& args) { return main_.Run(args); }
  std::string Run(const std::vector<std::string>& args) { return main_.Run(args); }

  // Another client; destroy it before the harness.
  std::unique_ptr<TestClient> Connect(std::string addr) {
    return std::make_unique<TestClient>(dispatcher_, std::move(addr));
  }

  void AdvanceMs(int64_t ms) { clock_.Advance(ms); }
  util::FakeClock& clock() { return clock_; }
  command::Dispatcher& dispatcher() { return dispatcher_; }
  command::ClientState& client() { return main_.state(); }
  TestClient& main_client() { return main_; }
  config::Config& config() { return config_; }

 private:
  util::FakeClock clock_;
  config::Config config_;
  command::Dispatcher dispatcher_;
  TestClient main_;
};

}  // namespace petrel::testing
