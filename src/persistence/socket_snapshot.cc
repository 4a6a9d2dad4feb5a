#include "petrel/persistence/socket_snapshot.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <random>
#include <vector>

namespace petrel::persistence {
namespace {

// The sockets are non-blocking (the parent's event loop set them so, and the flag is shared with
// the child): write, and wait with poll when they are full.
bool WriteSocket(int fd, std::string_view bytes, int64_t timeout_ms) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n > 0) {
      bytes.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(timeout_ms)) <= 0 || (p.revents & (POLLERR | POLLHUP))) {
        return false;
      }
      continue;
    }
    return false;
  }
  return true;
}

std::string EofMark() {
  std::random_device rd;
  std::mt19937_64 rng((static_cast<uint64_t>(rd()) << 32) ^ rd());
  const char* digits = "0123456789abcdef";
  std::string mark(40, '0');
  for (char& c : mark) c = digits[rng() & 15];
  return mark;
}

}  // namespace

std::string SendSnapshot(const storage::Keyspace& keyspace, const RdbAux& aux,
                         const RdbOptions& options, std::span<const int> fds, bool diskless,
                         std::string_view header, const std::string& temp_path,
                         int64_t timeout_ms) {
  std::vector<int> alive(fds.begin(), fds.end());
  auto to_all = [&](std::string_view bytes) {
    std::vector<int> still;
    for (int fd : alive) {
      if (WriteSocket(fd, bytes, timeout_ms)) still.push_back(fd);
    }
    alive.swap(still);
    return !alive.empty();
  };
  if (diskless) {
    const std::string mark = EofMark();
    if (!to_all(std::string(header) + "$EOF:" + mark + "\r\n")) return "no replica to send to";
    RdbWriter writer(to_all, options);
    if (!writer.Write(keyspace, aux)) return "every replica failed during the transfer";
    if (!to_all(mark)) return "every replica failed at the end of the transfer";
    return {};
  }
  RdbOptions file_options = options;
  file_options.key_save_delay_us = options.key_save_delay_us;
  if (auto error = SaveRdbFile(keyspace, aux, file_options, temp_path, temp_path + ".tmp")) {
    return *error;
  }
  const int fd = ::open(temp_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "cannot reopen the snapshot for the replicas";
  const off_t size = ::lseek(fd, 0, SEEK_END);
  ::lseek(fd, 0, SEEK_SET);
  bool ok = to_all(std::string(header) + "$" + std::to_string(size) + "\r\n");
  char chunk[64 * 1024];
  for (ssize_t n; ok && (n = ::read(fd, chunk, sizeof(chunk))) > 0;) {
    ok = to_all(std::string_view(chunk, static_cast<size_t>(n)));
  }
  ::close(fd);
  ::unlink(temp_path.c_str());
  return ok ? std::string() : std::string("every replica failed during the transfer");
}

}  // namespace petrel::persistence
