#include "petrel/util/memory.h"

#include <malloc.h>
#include <unistd.h>

#include <fstream>

namespace petrel::util {

int64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

int64_t UsedMemoryBytes() {
  const auto used = static_cast<int64_t>(mallinfo2().uordblks);
  return used > 0 ? used : RssBytes();
}

}  // namespace petrel::util
