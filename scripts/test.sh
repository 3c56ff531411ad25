#!/usr/bin/env bash
# The test command: installs what is missing, then format check, clippy and every test
# (unit, integration against a private containerd, the real binary in a pty, and the
# Kubernetes tests against a single-node cluster from scripts/kube-sandbox.sh), one build.
#
# The cluster's binaries are built from Go modules the first time (about 10 minutes on two
# cores) and cached in /var/cache/execmux-kube. A cluster that already runs is used and left
# running; one this script started is taken down when it ends, whatever the result.
# EXECMUX_KUBE_TESTS=0 leaves the cluster out (its tests then say so and pass).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo fmt --check
cargo clippy --all-targets -- -D warnings

if [ "${EXECMUX_KUBE_TESTS:-1}" != 0 ]; then
  if ! scripts/kube-sandbox.sh status >/dev/null 2>&1; then
    trap 'scripts/kube-sandbox.sh down >&2 || true' EXIT
  fi
  line=$(scripts/kube-sandbox.sh up)
  case $line in
    "export KUBECONFIG="*) ;;
    *)
      echo "test: scripts/kube-sandbox.sh up printed no kubeconfig: $line" >&2
      exit 1
      ;;
  esac
  EXECMUX_KUBECONFIG=${line#export KUBECONFIG=}
  EXECMUX_KUBECTL=$(scripts/kube-sandbox.sh kubectl)
  EXECMUX_REQUIRE_KUBE=1
  export EXECMUX_KUBECONFIG EXECMUX_KUBECTL EXECMUX_REQUIRE_KUBE
fi

cargo test
