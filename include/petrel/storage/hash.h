// The hash value type. Its commands arrive with hashes support; until then this is the owner
// type an entry can point to.
#pragma once

namespace petrel::storage {

class Hash {};

}  // namespace petrel::storage
