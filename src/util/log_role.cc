#include "petrel/util/log_role.h"

#include <atomic>

namespace petrel::util {
namespace {

std::atomic<char> role{'M'};

}  // namespace

void SetLogRole(char r) { role.store(r, std::memory_order_relaxed); }
char LogRole() { return role.load(std::memory_order_relaxed); }

}  // namespace petrel::util
