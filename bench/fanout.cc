// Pub/sub fan-out benchmark for Petrel and Redis.
//
// One publisher and N subscribers, all on loopback, driven by one thread with epoll:
//   channel mode   every subscriber is subscribed to one channel, and every message goes to all
//                  N of them;
//   pattern mode   (--patterns K) subscriber i is subscribed to the pattern "fanout.<i mod K>.*"
//                  and message j is published on "fanout.<j mod K>.m", so the server matches the
//                  channel against all K patterns and delivers it to the N/K subscribers of one.
// Each payload carries its sequence number and the publisher's CLOCK_MONOTONIC time when the
// PUBLISH was written, so every delivery yields one publish-to-receive latency. The publisher
// keeps at most --window messages not yet received by all their subscribers (a closed loop:
// nobody's output buffer grows without bound). Run time is bounded by --messages and --seconds.
//
// Output: a human summary on stderr and one machine-readable line on stdout:
//   RESULT mode=channel subscribers=1000 patterns=0 payload=64 messages=... delivered=...
//          seconds=... delivered_per_sec=... published_per_sec=... p50_us=... p99_us=...
//          max_us=... errors=0
// Only hiredis (connections, commands, reply parsing on the publisher and control connections)
// and the C++ standard library are used; message frames on the subscriber sockets are split by
// a small parser of RESP arrays of bulk strings, the only thing a subscriber receives.

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
    std::string host = "127.0.0.1";
    int port = 6379;
    int subscribers = 1;
    int patterns = 0;            // 0: channel mode
    long messages = 100000;      // measured messages (after the warm-up)
    long warmup = -1;            // -1: messages / 10, at most 10000
    int payload = 64;            // bytes per message payload
    double seconds = 10.0;       // time limit of the measured phase
    int window = 64;             // messages in flight (published, not yet fully delivered)
    std::string label;           // echoed in the RESULT line
};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "petrel-fanout-bench: %s\n", message.c_str());
    std::exit(2);
}

void usage() {
    std::fprintf(stderr,
                 "usage: petrel-fanout-bench [options]\n"
                 "  --host H          server address (127.0.0.1)\n"
                 "  --port P          server port (6379)\n"
                 "  --subscribers N   subscriber connections (1)\n"
                 "  --patterns K      pattern mode: N subscribers over K patterns (0: one "
                 "channel)\n"
                 "  --messages M      messages published in the measured phase (100000)\n"
                 "  --warmup W        unmeasured messages first (default M/10, at most 10000)\n"
                 "  --payload B       payload bytes, at least 48 (64)\n"
                 "  --seconds S       time limit of the measured phase (10)\n"
                 "  --window W        messages in flight at most (64)\n"
                 "  --label TEXT      a label echoed in the RESULT line\n");
}

long parse_long(const char* text, const char* what) {
    char* end = nullptr;
    errno = 0;
    long value = std::strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0') die(std::string("bad ") + what + ": " + text);
    return value;
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            usage();
            std::exit(0);
        }
        if (i + 1 >= argc) {
            usage();
            die("missing value for " + std::string(arg));
        }
        const char* value = argv[++i];
        if (arg == "--host") o.host = value;
        else if (arg == "--port") o.port = static_cast<int>(parse_long(value, "port"));
        else if (arg == "--subscribers") o.subscribers = static_cast<int>(parse_long(value, "subscribers"));
        else if (arg == "--patterns") o.patterns = static_cast<int>(parse_long(value, "patterns"));
        else if (arg == "--messages") o.messages = parse_long(value, "messages");
        else if (arg == "--warmup") o.warmup = parse_long(value, "warmup");
        else if (arg == "--payload") o.payload = static_cast<int>(parse_long(value, "payload"));
        else if (arg == "--seconds") o.seconds = std::atof(value);
        else if (arg == "--window") o.window = static_cast<int>(parse_long(value, "window"));
        else if (arg == "--label") o.label = value;
        else {
            usage();
            die("unknown option " + std::string(arg));
        }
    }
    if (o.subscribers < 1 || o.subscribers > 100000) die("--subscribers must be 1..100000");
    if (o.patterns < 0 || o.patterns > o.subscribers) die("--patterns must be 0..subscribers");
    if (o.messages < 1) die("--messages must be at least 1");
    if (o.payload < 48 || o.payload > 1 << 20) die("--payload must be 48..1048576");
    if (o.window < 1 || o.window > 1 << 16) die("--window must be 1..65536");
    if (!(o.seconds > 0)) die("--seconds must be positive");
    if (o.warmup < 0) o.warmup = std::min<long>(o.messages / 10, 10000);
    return o;
}

uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// Latency histogram: 1 µs buckets below 10 ms, 100 µs buckets up to 10 s, then one overflow
// bucket. Percentiles are reported as the bucket's lower bound.
class Histogram {
public:
    Histogram() : buckets_(kFine + kCoarse + 1, 0) {}

    void record(uint64_t ns) {
        uint64_t us = ns / 1000;
        size_t index;
        if (us < kFine) index = us;
        else if (us < kFine + kCoarse * kCoarseWidth) index = kFine + (us - kFine) / kCoarseWidth;
        else index = kFine + kCoarse;
        ++buckets_[index];
        ++count_;
        max_us_ = std::max(max_us_, us);
    }

    uint64_t count() const { return count_; }
    uint64_t max_us() const { return max_us_; }

    double percentile(double p) const {
        if (count_ == 0) return 0;
        uint64_t rank = static_cast<uint64_t>(p / 100.0 * static_cast<double>(count_));
        if (rank >= count_) rank = count_ - 1;
        uint64_t seen = 0;
        for (size_t i = 0; i < buckets_.size(); ++i) {
            seen += buckets_[i];
            if (seen > rank) {
                if (i < kFine) return static_cast<double>(i);
                return static_cast<double>(kFine + (i - kFine) * kCoarseWidth);
            }
        }
        return static_cast<double>(max_us_);
    }

private:
    static constexpr uint64_t kFine = 10000;        // µs
    static constexpr uint64_t kCoarse = 99900;      // buckets of kCoarseWidth µs
    static constexpr uint64_t kCoarseWidth = 100;
    std::vector<uint64_t> buckets_;
    uint64_t count_ = 0;
    uint64_t max_us_ = 0;
};

struct ContextDeleter {
    void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
    void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

Context connect(const Options& o) {
    Context c(redisConnect(o.host.c_str(), o.port));
    if (!c) die("out of memory connecting");
    if (c->err) die("cannot connect to " + o.host + ":" + std::to_string(o.port) + ": " + c->errstr);
    return c;
}

Reply command(redisContext* c, const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    auto* raw = static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data()));
    if (!raw) die(std::string("command ") + args[0] + " failed: " + c->errstr);
    return Reply(raw);
}

void set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) die("fcntl O_NONBLOCK failed");
}

void raise_fd_limit(size_t needed) {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) die("getrlimit failed");
    if (lim.rlim_cur >= needed) return;
    if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < needed)
        die("need " + std::to_string(needed) + " file descriptors but the hard limit is " +
            std::to_string(lim.rlim_max) + " (raise it with ulimit -Hn)");
    lim.rlim_cur = needed;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) die("setrlimit(RLIMIT_NOFILE) failed");
}

// One subscriber connection: hiredis for connecting and subscribing, then the raw socket.
struct Subscriber {
    Context ctx;
    int fd = -1;
    std::string buf;        // unparsed bytes
    size_t pos = 0;
    int64_t last_seq = -1;
};

// Parses one RESP array (or RESP3 push) of bulk strings at data[0..n). Returns its length in
// bytes, 0 if incomplete, or -1 if it is something else. `last` is set to the last element.
long parse_frame(const char* data, size_t n, std::string_view& last) {
    auto read_int = [&](size_t& at, long& value) -> int {
        size_t start = at;
        while (at < n && data[at] != '\r') ++at;
        if (at + 1 >= n) return 0;
        auto [ptr, ec] = std::from_chars(data + start, data + at, value);
        if (ec != std::errc() || ptr != data + at || data[at + 1] != '\n') return -1;
        at += 2;
        return 1;
    };
    if (n == 0) return 0;
    if (data[0] != '*' && data[0] != '>') return -1;
    size_t at = 1;
    long count = 0;
    int r = read_int(at, count);
    if (r <= 0) return r;
    if (count < 1) return -1;
    for (long i = 0; i < count; ++i) {
        if (at >= n) return 0;
        if (data[at] != '$') return -1;
        ++at;
        long len = 0;
        r = read_int(at, len);
        if (r <= 0) return r;
        if (len < 0) return -1;
        if (at + static_cast<size_t>(len) + 2 > n) return 0;
        last = std::string_view(data + at, static_cast<size_t>(len));
        at += static_cast<size_t>(len) + 2;
    }
    return static_cast<long>(at);
}

class Bench {
public:
    explicit Bench(Options o) : o_(std::move(o)) {
        size_t ring = 1;
        while (ring < static_cast<size_t>(o_.window) * 2) ring <<= 1;
        remaining_.assign(ring, 0);
        mask_ = ring - 1;
        groups_ = o_.patterns > 0 ? o_.patterns : 1;
        receivers_.assign(static_cast<size_t>(groups_), 0);
        for (int i = 0; i < o_.subscribers; ++i) ++receivers_[static_cast<size_t>(i % groups_)];
        filler_.assign(static_cast<size_t>(o_.payload), 'x');
    }

    int run() {
        raise_fd_limit(static_cast<size_t>(o_.subscribers) + 64);
        setup();
        loop();
        return report();
    }

private:
    std::string channel_for(long seq) const {
        if (o_.patterns == 0) return "fanout.ch";
        return "fanout." + std::to_string(seq % groups_) + ".m";
    }

    void setup() {
        control_ = connect(o_);
        command(control_.get(), {"PING"});
        for (int i = 0; i < o_.subscribers; ++i) {
            Subscriber s;
            s.ctx = connect(o_);
            Reply r = o_.patterns == 0
                          ? command(s.ctx.get(), {"SUBSCRIBE", "fanout.ch"})
                          : command(s.ctx.get(), {"PSUBSCRIBE",
                                                  "fanout." + std::to_string(i % groups_) + ".*"});
            if (r->type != REDIS_REPLY_ARRAY)
                die("unexpected reply to SUBSCRIBE: " +
                    std::string(r->type == REDIS_REPLY_ERROR ? r->str : "(not an array)"));
            s.fd = s.ctx->fd;
            set_nonblocking(s.fd);
            subs_.push_back(std::move(s));
        }
        // Every subscription must be registered before the first PUBLISH.
        if (o_.patterns == 0) {
            Reply r = command(control_.get(), {"PUBSUB", "NUMSUB", "fanout.ch"});
            if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
                r->element[1]->integer != o_.subscribers)
                die("PUBSUB NUMSUB does not count every subscriber");
        } else {
            Reply r = command(control_.get(), {"PUBSUB", "NUMPAT"});
            if (r->type != REDIS_REPLY_INTEGER || r->integer != o_.patterns)
                die("PUBSUB NUMPAT does not count every pattern");
        }
        publisher_ = connect(o_);
        pub_fd_ = publisher_->fd;
        set_nonblocking(pub_fd_);

        epoll_ = epoll_create1(0);
        if (epoll_ < 0) die("epoll_create1 failed");
        for (size_t i = 0; i < subs_.size(); ++i) add_fd(subs_[i].fd, EPOLLIN, i);
        add_fd(pub_fd_, EPOLLIN, kPublisherTag);
    }

    static constexpr uint64_t kPublisherTag = ~0ull;

    void add_fd(int fd, uint32_t events, uint64_t tag) {
        epoll_event ev{};
        ev.events = events;
        ev.data.u64 = tag;
        if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl ADD failed");
    }

    void watch_publisher_writes(bool on) {
        if (on == watching_writes_) return;
        epoll_event ev{};
        ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
        ev.data.u64 = kPublisherTag;
        if (epoll_ctl(epoll_, EPOLL_CTL_MOD, pub_fd_, &ev) != 0) die("epoll_ctl MOD failed");
        watching_writes_ = on;
    }

    // Appends PUBLISH commands while the window allows.
    void publish_more(uint64_t now) {
        long limit = measuring_ ? o_.warmup + o_.messages : o_.warmup;
        if (measuring_ && now >= deadline_) {
            if (!time_limited_ && published_ < limit) time_limited_ = true;
            return;
        }
        while (published_ < limit && published_ - completed_ < o_.window) {
            long seq = published_;
            std::string channel = channel_for(seq);
            char head[48];
            auto n = std::snprintf(head, sizeof head, "%ld:%llu:", seq,
                                   static_cast<unsigned long long>(now_ns()));
            std::string_view payload(filler_);
            std::string body(head, static_cast<size_t>(n));
            body.append(payload.substr(0, static_cast<size_t>(o_.payload) - body.size()));
            out_ += "*3\r\n$7\r\nPUBLISH\r\n$" + std::to_string(channel.size()) + "\r\n" +
                    channel + "\r\n$" + std::to_string(body.size()) + "\r\n" + body + "\r\n";
            remaining_[static_cast<size_t>(seq) & mask_] =
                receivers_[static_cast<size_t>(seq % groups_)];
            expected_replies_.push_back(receivers_[static_cast<size_t>(seq % groups_)]);
            ++published_;
        }
        flush();
    }

    void flush() {
        while (out_pos_ < out_.size()) {
            ssize_t n = write(pub_fd_, out_.data() + out_pos_, out_.size() - out_pos_);
            if (n > 0) {
                out_pos_ += static_cast<size_t>(n);
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                break;
            } else {
                die("publisher write failed: " + std::string(std::strerror(errno)));
            }
        }
        if (out_pos_ == out_.size()) {
            out_.clear();
            out_pos_ = 0;
        }
        watch_publisher_writes(out_pos_ < out_.size());
    }

    void read_publisher() {
        char chunk[65536];
        ssize_t n = read(pub_fd_, chunk, sizeof chunk);
        if (n == 0) die("the server closed the publisher connection");
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            die("publisher read failed: " + std::string(std::strerror(errno)));
        }
        if (redisReaderFeed(publisher_->reader, chunk, static_cast<size_t>(n)) != REDIS_OK)
            die("hiredis reader: cannot feed");
        for (;;) {
            void* raw = nullptr;
            if (redisReaderGetReply(publisher_->reader, &raw) != REDIS_OK)
                die("bad reply on the publisher connection");
            if (!raw) break;
            Reply r(static_cast<redisReply*>(raw));
            if (expected_replies_.empty()) die("unexpected reply on the publisher connection");
            long expected = expected_replies_[reply_index_++];
            if (reply_index_ == expected_replies_.size()) {
                expected_replies_.clear();
                reply_index_ = 0;
            }
            if (r->type != REDIS_REPLY_INTEGER || r->integer != expected) {
                if (errors_ < 5)
                    std::fprintf(stderr, "PUBLISH answered %s%lld, expected %ld receivers\n",
                                 r->type == REDIS_REPLY_INTEGER ? "" : "a non-integer ",
                                 r->type == REDIS_REPLY_INTEGER ? r->integer : 0LL, expected);
                ++errors_;
            }
        }
    }

    void deliver(Subscriber& s, std::string_view payload, uint64_t received_at) {
        long seq = 0;
        unsigned long long sent = 0;
        auto* end = payload.data() + payload.size();
        auto [p1, e1] = std::from_chars(payload.data(), end, seq);
        if (e1 != std::errc() || p1 == end || *p1 != ':') {
            ++errors_;
            return;
        }
        auto [p2, e2] = std::from_chars(p1 + 1, end, sent);
        if (e2 != std::errc() || p2 == end || *p2 != ':') {
            ++errors_;
            return;
        }
        if (seq <= s.last_seq || seq < completed_ || seq >= published_ ||
            remaining_[static_cast<size_t>(seq) & mask_] == 0) {
            ++errors_;   // out of order, duplicated or unknown
            return;
        }
        s.last_seq = seq;
        if (seq >= o_.warmup) {
            latency_.record(received_at > sent ? received_at - sent : 0);
            ++delivered_;
        }
        if (--remaining_[static_cast<size_t>(seq) & mask_] == 0) {
            while (completed_ < published_ && remaining_[static_cast<size_t>(completed_) & mask_] == 0)
                ++completed_;
            last_completion_ = received_at;
        }
    }

    void read_subscriber(Subscriber& s) {
        char chunk[1 << 16];
        ssize_t n = read(s.fd, chunk, sizeof chunk);
        if (n == 0) die("the server closed a subscriber connection");
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR) return;
            die("subscriber read failed: " + std::string(std::strerror(errno)));
        }
        uint64_t at = now_ns();
        const char* data;
        size_t len;
        if (s.buf.size() == s.pos) {   // common case: nothing left over, parse in place
            s.buf.clear();
            s.pos = 0;
            data = chunk;
            len = static_cast<size_t>(n);
        } else {
            s.buf.append(chunk, static_cast<size_t>(n));
            data = s.buf.data() + s.pos;
            len = s.buf.size() - s.pos;
        }
        size_t used = 0;
        for (;;) {
            std::string_view last;
            long frame = parse_frame(data + used, len - used, last);
            if (frame < 0) die("a subscriber received something that is not a message");
            if (frame == 0) break;
            deliver(s, last, at);
            used += static_cast<size_t>(frame);
        }
        if (data == chunk) {
            if (used < len) s.buf.assign(chunk + used, len - used);
        } else {
            s.pos += used;
            if (s.pos == s.buf.size()) {
                s.buf.clear();
                s.pos = 0;
            }
        }
    }

    void loop() {
        constexpr int kMaxEvents = 1024;
        epoll_event events[kMaxEvents];
        const uint64_t drain_ns = 10ull * 1000000000ull;
        uint64_t now = now_ns();
        if (o_.warmup == 0) start_measuring(now);
        for (;;) {
            now = now_ns();
            if (!measuring_ && completed_ == o_.warmup && published_ == o_.warmup)
                start_measuring(now);
            publish_more(now);
            if (measuring_ && completed_ == published_ &&
                (published_ == o_.warmup + o_.messages || time_limited_))
                break;
            if (measuring_ && now > deadline_ + drain_ns) {
                std::fprintf(stderr, "gave up waiting for %ld message(s) to be delivered\n",
                             published_ - completed_);
                ++errors_;
                break;
            }
            if (!measuring_ && now > setup_deadline_) die("the warm-up did not finish in 60 s");
            int n = epoll_wait(epoll_, events, kMaxEvents, 50);
            if (n < 0) {
                if (errno == EINTR) continue;
                die("epoll_wait failed");
            }
            for (int i = 0; i < n; ++i) {
                uint64_t tag = events[i].data.u64;
                if (tag == kPublisherTag) {
                    if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) read_publisher();
                    if (events[i].events & EPOLLOUT) flush();
                } else {
                    read_subscriber(subs_[tag]);
                }
            }
        }
    }

    void start_measuring(uint64_t now) {
        measuring_ = true;
        start_ = now;
        last_completion_ = now;
        deadline_ = now + static_cast<uint64_t>(o_.seconds * 1e9);
    }

    int report() {
        double seconds = static_cast<double>(last_completion_ - start_) / 1e9;
        long measured = published_ - o_.warmup;
        double delivered_rate = seconds > 0 ? static_cast<double>(delivered_) / seconds : 0;
        double published_rate = seconds > 0 ? static_cast<double>(measured) / seconds : 0;
        const char* mode = o_.patterns == 0 ? "channel" : "pattern";
        std::fprintf(stderr,
                     "%s mode, %d subscriber(s)%s: %ld messages of %d bytes (+%ld warm-up) in "
                     "%.2f s%s\n"
                     "  delivered %llu (%.0f/s), published %.0f/s, latency p50 %.0f us, "
                     "p99 %.0f us, max %llu us, errors %ld\n",
                     mode, o_.subscribers,
                     o_.patterns ? (" over " + std::to_string(o_.patterns) + " patterns").c_str()
                                 : "",
                     measured, o_.payload, o_.warmup, seconds,
                     time_limited_ ? " (time limit reached)" : "",
                     static_cast<unsigned long long>(delivered_), delivered_rate, published_rate,
                     latency_.percentile(50), latency_.percentile(99),
                     static_cast<unsigned long long>(latency_.max_us()), errors_);
        std::printf("RESULT%s%s mode=%s subscribers=%d patterns=%d payload=%d messages=%ld "
                    "delivered=%llu seconds=%.3f delivered_per_sec=%.0f published_per_sec=%.0f "
                    "p50_us=%.0f p99_us=%.0f max_us=%llu time_limited=%d errors=%ld\n",
                    o_.label.empty() ? "" : " label=", o_.label.c_str(), mode, o_.subscribers,
                    o_.patterns, o_.payload, measured,
                    static_cast<unsigned long long>(delivered_), seconds, delivered_rate,
                    published_rate, latency_.percentile(50), latency_.percentile(99),
                    static_cast<unsigned long long>(latency_.max_us()), time_limited_ ? 1 : 0,
                    errors_);
        std::fflush(stdout);
        return errors_ == 0 ? 0 : 1;
    }

    Options o_;
    Context control_;
    Context publisher_;
    int pub_fd_ = -1;
    int epoll_ = -1;
    bool watching_writes_ = false;
    std::vector<Subscriber> subs_;
    int groups_ = 1;
    std::vector<long> receivers_;          // subscribers per channel group
    std::vector<long> remaining_;          // deliveries still due, per in-flight message
    size_t mask_ = 0;
    std::vector<long> expected_replies_;   // PUBLISH replies due, in order
    size_t reply_index_ = 0;
    std::string filler_;
    std::string out_;
    size_t out_pos_ = 0;
    long published_ = 0;
    long completed_ = 0;                    // every message below this was fully delivered
    bool measuring_ = false;
    bool time_limited_ = false;
    uint64_t start_ = 0;
    uint64_t deadline_ = 0;
    uint64_t setup_deadline_ = now_ns() + 60ull * 1000000000ull;
    uint64_t last_completion_ = 0;
    uint64_t delivered_ = 0;
    long errors_ = 0;
    Histogram latency_;
};

}  // namespace

int main(int argc, char** argv) {
    Options options = parse_options(argc, argv);
    Bench bench(std::move(options));
    return bench.run();
}
