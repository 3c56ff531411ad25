#!/usr/bin/env bash
# The test command: installs what is missing, then format check, clippy and every test
# (unit, integration against a private containerd, the real binary in a pty), one build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --check
cargo clippy --all-targets -- -D warnings
cargo test
