// The process's memory figures, for INFO and the RDB header.
#pragma once

#include <cstdint>

namespace petrel::util {

// Resident set size in bytes.
int64_t RssBytes();
// Bytes allocated through malloc; the RSS when the allocator does not say (sanitizer builds).
int64_t UsedMemoryBytes();

}  // namespace petrel::util
