#!/usr/bin/env bash
# Project set-up: installs the npm packages and makes sure WebGPU has an adapter.
#
# Dawn (the `webgpu` package) needs a Vulkan driver. On a machine without a GPU driver the
# software one, Mesa's lavapipe, serves; on Debian bookworm it must come from
# bookworm-backports (mesa-vulkan-drivers 25.x: bookworm's own 22.3 lacks what Dawn requires).
# This script installs it only when no adapter is found and it may use apt (root or sudo).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}

echo "setup: installing npm packages"
npm ci --no-audit --no-fund

probe() { node scripts/probe-adapter.mjs; }

if probe; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "setup: no WebGPU adapter, and installing a Vulkan driver needs root." >&2
    echo "       On Debian bookworm, as root: enable bookworm-backports and" >&2
    echo "       apt-get install -t bookworm-backports mesa-vulkan-drivers" >&2
    exit 1
  fi
fi

. /etc/os-release
if [ "${VERSION_CODENAME:-}" = "bookworm" ]; then
  if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "setup: enabling bookworm-backports"
    echo "deb http://deb.debian.org/debian bookworm-backports main" | $sudo tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
  fi
  echo "setup: installing Mesa lavapipe (mesa-vulkan-drivers from bookworm-backports)"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
else
  echo "setup: installing Mesa's Vulkan drivers"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null
fi

probe
