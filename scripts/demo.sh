#!/usr/bin/env bash
# The demo: installs what is missing, builds execmux and runs `execmux demo` (a private
# containerd with three containers; everything is removed on exit). Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo run --release -- demo
