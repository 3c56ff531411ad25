#!/usr/bin/env bash
# Installs what execmux needs to build, test and run its demo on a Debian machine that has
# only Rust: protoc (containerd-client's build), containerd, runc and busybox-static (the
# private containerd and its containers), tmux, vim-tiny, htop, less, vttest and the ncurses
# terminfo entries (the tests compare a tab with tmux running the same full-screen
# programs), openssl, curl and file (scripts/kube-sandbox.sh), and the rustfmt and clippy
# components.
set -euo pipefail

need=()
for pkg in protobuf-compiler containerd runc busybox-static tmux vim-tiny htop less vttest ncurses-base ncurses-term openssl curl file; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi
