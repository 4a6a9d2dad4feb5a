#!/usr/bin/env bash
# Installs what Petrel needs to build and test, from Debian's packages, if anything is missing.
set -euo pipefail
packages=(cmake g++ make pkg-config libasio-dev libspdlog-dev libcli11-dev libgtest-dev
          libhiredis-dev redis-server redis-tools redis-sentinel python3 python3-redis)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
