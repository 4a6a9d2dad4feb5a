// The role letter Redis-style log lines carry after the pid: M for a primary, S for a replica.
#pragma once

namespace petrel::util {

void SetLogRole(char role);
char LogRole();

}  // namespace petrel::util
