// LZF compression in liblzf's format, as Redis stores compressed strings in RDB files.
//
// The stream is a sequence of items, each starting with a control byte:
//   000LLLLL                      literal run: the next L + 1 bytes (1..32) are copied as is;
//   LLLooooo [extra] oooooooo     back reference: copy L + 2 bytes starting (o + 1) bytes back
//                                 in the output; L == 7 means the length is 7 + extra + 2.
// So a reference copies 3..264 bytes from at most 8192 bytes back, and may overlap its own output.
#pragma once

#include <cstddef>

namespace petrel::persistence {

// Compresses in[0, in_len) into out (capacity out_cap). Returns the compressed size, or 0 if the
// result would not fit in out_cap (nothing useful to keep), or in_len is 0 or 4 GB or more.
// Redis calls it with out_cap = in_len - 4 so that only a saving of at least 5 bytes is stored
// compressed. The output depends only on the input (same bytes in, same bytes out). Uses 64 KB of
// stack for its match table.
size_t LzfCompress(const char* in, size_t in_len, char* out, size_t out_cap);

// Decompresses in[0, in_len) into out (capacity out_len). Returns the number of bytes produced,
// or 0 if the input is corrupt: a truncated item, a reference before the start of the output, or
// output beyond out_len. Never reads or writes out of bounds, whatever the input. The caller
// still checks that the result equals the length it expected.
size_t LzfDecompress(const char* in, size_t in_len, char* out, size_t out_len);

}  // namespace petrel::persistence
