#include "integration/server_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace petrel::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::milliseconds(5);
constexpr auto kTermTimeout = std::chrono::milliseconds(10000);
constexpr int kLaunchAttempts = 5;

// Creates a fresh directory under $TMPDIR (or /tmp).
std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "petrel-it-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
  }
  return pattern;
}

// True if a start-up log says the port was taken ("Address already in use" and the like).
bool MentionsPortInUse(std::string log) {
  for (char& c : log) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return log.find("in use") != std::string::npos || log.find("eaddrinuse") != std::string::npos;
}

std::string Tail(const std::string& text, size_t max_bytes) {
  return text.size() <= max_bytes ? text : "..." + text.substr(text.size() - max_bytes);
}

// Connects to 127.0.0.1:port with a deadline; returns the fd or -1.
int ConnectLoopback(int port, std::chrono::milliseconds timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) {
      close(fd);
      return -1;
    }
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1 ||
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      close(fd);
      return -1;
    }
  }
  return fd;
}

}  // namespace

std::string ServerProcess::BinaryPath() {
  if (const char* env = std::getenv("PETREL_SERVER_BIN"); env != nullptr && *env != '\0') {
    return env;
  }
#ifdef PETREL_SERVER_BIN
  return PETREL_SERVER_BIN;
#else
  throw std::runtime_error("set PETREL_SERVER_BIN to the server binary");
#endif
}

int ServerProcess::PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("could not bind an ephemeral loopback port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

ServerProcess::ServerProcess(ServerOptions options) {
  // Tests write to sockets the server may have closed; a dead peer must be an error, not a signal.
  // (The child restores the default disposition before exec.)
  signal(SIGPIPE, SIG_IGN);
  dir_ = MakeTempDir();
  if (!options.config_text.empty()) {
    std::ofstream(dir_ + "/server.conf") << options.config_text;
  }
  std::string failures;
  for (int attempt = 0; attempt < kLaunchAttempts; ++attempt) {
    port_ = PickFreePort();
    if (Launch(options)) return;
    // The process is gone (or was killed after the start-up deadline); keep its log for the report.
    failures += "attempt " + std::to_string(attempt + 1) + " on port " + std::to_string(port_) +
                (exit_status_.has_value() ? ", wait status " + std::to_string(*exit_status_)
                                          : ", no answer in time") +
                ":\n" + Tail(ReadLog(), 2000) + "\n";
    // Only a lost race for the port is worth another try; anything else would just repeat.
    if (!exit_status_.has_value() || !MentionsPortInUse(ReadLog())) break;
    exit_status_.reset();
    pid_ = -1;
  }
  std::string message = "server " + BinaryPath() + " did not start:\n" + failures;
  std::filesystem::remove_all(dir_);
  throw std::runtime_error(message);
}

bool ServerProcess::Launch(const ServerOptions& options) {
  std::vector<std::string> args = {BinaryPath()};
  if (!options.config_text.empty()) args.push_back(dir_ + "/server.conf");
  args.insert(args.end(), {"--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
                           "--appendonly", "no"});
  args.insert(args.end(), options.args.begin(), options.args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int log_fd = open(log_path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot create " + log_path());
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) {
    close(log_fd);
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    // Child: only async-signal-safe calls from here to exec.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    if (chdir(dir_.c_str()) != 0) _exit(125);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(log_fd);

  const auto deadline = Clock::now() + options.start_timeout;
  while (Clock::now() < deadline) {
    if (!Running()) return false;
    if (ListensOnPort() && AnswersPing()) return true;
    std::this_thread::sleep_for(kPollInterval);
  }
  KillAndReap();
  exit_status_.reset();
  return false;
}

// True if one of the process's own sockets is listening on port_ (so a PING answer on that port
// comes from this process, not from another test's server that happens to hold the port).
bool ServerProcess::ListensOnPort() const {
  std::set<std::string> inodes;
  std::error_code ec;
  const std::string fd_dir = "/proc/" + std::to_string(pid_) + "/fd";
  for (const auto& entry : std::filesystem::directory_iterator(fd_dir, ec)) {
    std::error_code link_ec;
    std::string target = std::filesystem::read_symlink(entry.path(), link_ec).string();
    if (!link_ec && target.rfind("socket:[", 0) == 0) {
      inodes.insert(target.substr(8, target.size() - 9));
    }
  }
  if (inodes.empty()) return false;
  for (const char* table : {"/net/tcp", "/net/tcp6"}) {
    std::ifstream in("/proc/" + std::to_string(pid_) + table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >>
          timeout >> inode;
      const auto colon = local.rfind(':');
      if (colon == std::string::npos || state != "0A") continue;  // 0A = LISTEN
      if (std::stoi(local.substr(colon + 1), nullptr, 16) == port_ && inodes.count(inode) > 0) {
        return true;
      }
    }
  }
  return false;
}

bool ServerProcess::AnswersPing() const {
  int fd = ConnectLoopback(port_, std::chrono::milliseconds(1000));
  if (fd < 0) return false;
  static constexpr char kPing[] = "*1\r\n$4\r\nPING\r\n";
  bool answered = false;
  if (send(fd, kPing, sizeof kPing - 1, MSG_NOSIGNAL) == static_cast<ssize_t>(sizeof kPing - 1)) {
    std::string reply;
    const auto deadline = Clock::now() + std::chrono::milliseconds(2000);
    while (reply.find("\r\n") == std::string::npos && Clock::now() < deadline) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 50) != 1) continue;
      char buf[256];
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      reply.append(buf, static_cast<size_t>(n));
    }
    answered = reply.find("\r\n") != std::string::npos && (reply[0] == '+' || reply[0] == '-');
  }
  close(fd);
  return answered;
}

int64_t ServerProcess::RssBytes() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stoll(line.substr(6)) * 1024;  // the value is in kB
    }
  }
  return -1;
}

bool ServerProcess::Running() {
  if (pid_ <= 0 || exit_status_.has_value()) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) {
    exit_status_ = r == pid_ ? status : -1;
    return false;
  }
  return true;
}

std::optional<int> ServerProcess::WaitForExit(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Running()) {
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
  return exit_status_;
}

std::optional<int> ServerProcess::Signal(int signal, std::chrono::milliseconds timeout) {
  if (Running()) kill(pid_, signal);
  return WaitForExit(timeout);
}

std::string ServerProcess::ReadLog() const {
  std::ifstream in(log_path(), std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void ServerProcess::KillAndReap() {
  if (!Running()) return;
  kill(pid_, SIGTERM);
  if (WaitForExit(kTermTimeout).has_value()) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  exit_status_ = status;
}

ServerProcess::~ServerProcess() {
  KillAndReap();
  if (::testing::Test::HasFailure()) {
    std::cerr << "---- server log (" << log_path() << ", port " << port_ << ") ----\n"
              << Tail(ReadLog(), 4000) << "\n---- end of server log ----\n";
  }
  if (std::getenv("PETREL_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

}  // namespace petrel::test
