#include "petrel/pubsub/publish.h"

#include <memory>
#include <string>

#include "petrel/command/client_state.h"
#include "petrel/resp/reply_builder.h"

namespace petrel::pubsub {
namespace {

class MessageEncoder {
 public:
  MessageEncoder(std::string_view kind_name, std::string_view channel, std::string_view message)
      : kind_name_(kind_name), channel_(channel), message_(message) {}

  std::shared_ptr<const std::string> For(int resp, std::string_view pattern) {
    const int v = resp >= 3 ? 1 : 0;
    // The registry hands out each pattern's subscribers one after another, so the encodings of
    // the pattern last seen are all that needs keeping.
    if (!pattern.empty() && pattern.data() != pattern_.data()) {
      pattern_ = pattern;
      by_pattern_[0].reset();
      by_pattern_[1].reset();
    }
    std::shared_ptr<const std::string>& slot = pattern.empty() ? direct_[v] : by_pattern_[v];
    if (!slot) {
      auto bytes = std::make_shared<std::string>();
      resp::ReplyBuilder b(bytes.get(), resp);
      b.Push(pattern.empty() ? 3 : 4);
      b.Bulk(pattern.empty() ? kind_name_ : std::string_view("pmessage"));
      if (!pattern.empty()) b.Bulk(pattern);
      b.Bulk(channel_);
      b.Bulk(message_);
      slot = std::move(bytes);
    }
    return slot;
  }

 private:
  std::string_view kind_name_, channel_, message_;
  std::shared_ptr<const std::string> direct_[2];
  std::string_view pattern_;
  std::shared_ptr<const std::string> by_pattern_[2];
};

}  // namespace

size_t Publish(const Registry& registry, Kind kind, std::string_view channel,
               std::string_view message) {
  MessageEncoder encoder(kind == Kind::kShard ? "smessage" : "message", channel, message);
  return registry.ForEachReceiver(
      kind, channel, [&](command::ClientState* subscriber, std::string_view pattern) {
        if (subscriber->link != nullptr) {
          subscriber->link->DeliverShared(encoder.For(subscriber->resp, pattern));
        }
      });
}

}  // namespace petrel::pubsub
