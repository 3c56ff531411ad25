#!/usr/bin/env bash
# A single-node Kubernetes cluster from real components, for execmux's Kubernetes tests and
# demo: etcd, kube-apiserver and kubelet built from the Go modules of a pinned release, the
# kubelet on a private containerd (its own config, root, state and socket), certificates
# made here with openssl, a pause image and a busybox test image built here as OCI
# tarballs, and two pods placed with spec.nodeName (no scheduler, no controller-manager):
# `box` with containers `box` and `side`, `box2` with `box`, both in the host network.
#
#   scripts/kube-sandbox.sh up       build or reuse the binaries, start, print `export KUBECONFIG=...`
#   scripts/kube-sandbox.sh down     stop what `up` started (by its recorded PIDs), remove the state
#   scripts/kube-sandbox.sh status   say what runs
#   scripts/kube-sandbox.sh build    only build (or check) the cached binaries
#   scripts/kube-sandbox.sh kubectl  print the kubectl to use: PATH's, else one built here
#
# Environment: EXECMUX_KUBE_CACHE (binaries and Go caches, default /var/cache/execmux-kube),
# EXECMUX_KUBE_STATE (the running cluster, default /run/execmux-kube), EXECMUX_KUBE_PORT
# (first of five loopback ports, default 26440), GO (default /usr/local/go/bin/go or PATH).
# Needs root (containerd, runc, kubelet), openssl, busybox-static, containerd and runc.
set -euo pipefail

# The pinned versions. Kubernetes 1.34 is the newest release whose kubelet still runs on
# cgroup v1 without being told to (1.35 refuses it unless failCgroupV1 is false) and it
# still supports containerd 1.6's CRI v1. etcd 3.6.4 is the version 1.34.4 itself pins.
K8S_VERSION=v1.34.4
ETCD_VERSION=v3.6.4

CACHE_ROOT=${EXECMUX_KUBE_CACHE:-/var/cache/execmux-kube}
CACHE=$CACHE_ROOT/k8s-$K8S_VERSION-etcd-$ETCD_VERSION
BIN=$CACHE/bin
STATE=${EXECMUX_KUBE_STATE:-/run/execmux-kube}
PORT_BASE=${EXECMUX_KUBE_PORT:-26440}
ETCD_PORT=$PORT_BASE
ETCD_PEER_PORT=$((PORT_BASE + 1))
API_PORT=$((PORT_BASE + 3))
KUBELET_PORT=$((PORT_BASE + 4))
KUBELET_HEALTHZ_PORT=$((PORT_BASE + 5))
# The kubelet refuses a loopback node IP, so the node has no InternalIP; the API server
# reaches the kubelet by the node's Hostname address, which is its name: `localhost`
# resolves to loopback everywhere without touching /etc/hosts.
NODE=localhost
PAUSE_IMAGE=docker.io/execmux/pause:1
BOX_IMAGE=docker.io/execmux/box:1

log() { printf 'kube-sandbox: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

go_bin() {
  if [ -n "${GO:-}" ]; then
    echo "$GO"
  elif [ -x /usr/local/go/bin/go ]; then
    echo /usr/local/go/bin/go
  else
    command -v go || die "no Go toolchain (set GO=...)"
  fi
}

# ---------------------------------------------------------------------------------------
# Building. k8s.io/kubernetes requires its ~30 staging modules (k8s.io/api, ...) at v0.0.0
# and replaces them with paths inside its own repository; a dependency's replace lines are
# ignored, so a wrapper module replaces each one with its published v0.X.Y. The list is
# read from the release's own go.mod, so it follows the release.
# ---------------------------------------------------------------------------------------

have_binaries() {
  [ -x "$BIN/etcd" ] && [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kubelet" ] &&
    [ "$(cat "$BIN/VERSIONS" 2>/dev/null)" = "kubernetes $K8S_VERSION etcd $ETCD_VERSION" ]
}

WORK=$CACHE/build

# Writes the wrapper module into $WORK and downloads what it needs; sets Go's environment.
prepare_module() {
  local go mod
  go=$(go_bin)
  # Go's caches live beside the binaries, so the cache is one directory to size or remove.
  # The module cache is kept for the next release's build; the build cache (3 GB) is not.
  export GOMODCACHE=$CACHE_ROOT/gomod GOCACHE=$WORK/gocache GOFLAGS=-mod=mod
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOMAXPROCS=2 GOWORK=off
  mkdir -p "$WORK"
  mod=$(cd "$WORK" && "$go" mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [ -f "$mod" ] || die "could not download k8s.io/kubernetes@$K8S_VERSION's go.mod"
  local staging_version=v0.${K8S_VERSION#v1.}
  {
    echo "module execmux.invalid/kube-sandbox"
    echo
    echo "go 1.24"
    echo
    echo "require ("
    echo "	k8s.io/kubernetes $K8S_VERSION"
    echo "	go.etcd.io/etcd/server/v3 $ETCD_VERSION"
    echo ")"
    echo
    echo "replace ("
    # Lines such as "	k8s.io/api => ./staging/src/k8s.io/api".
    sed -n 's|^[[:space:]]*\(k8s\.io/[a-z0-9-]*\) => \./staging/src/.*|\1|p' "$mod" |
      while read -r m; do echo "	$m => $m $staging_version"; done
    echo ")"
  } >"$WORK/go.mod"
  log "wrapper module: $WORK/go.mod ($(grep -c ' => ' "$WORK/go.mod") staging modules at $staging_version)"
  log "downloading modules"
  (cd "$WORK" && nice -n 19 "$go" mod download)
}

# go_build PACKAGE OUTPUT: builds one command of the wrapper module, stamped with the
# release's version as its own build does (kubectl and the node report it).
go_build() {
  local minor=${K8S_VERSION#v1.}
  minor=${minor%%.*}
  local pkg=k8s.io/component-base/version
  local ldflags="-s -w -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  (cd "$WORK" && nice -n 19 "$(go_bin)" build -p 2 -trimpath -ldflags "$ldflags" -o "$2" "$1")
}

# Prints the kubectl to use: the one on PATH, else one built here from the same release
# (cached beside the other binaries).
kubectl_path() {
  if command -v kubectl >/dev/null 2>&1; then
    command -v kubectl
    return 0
  fi
  if [ ! -x "$BIN/kubectl" ]; then
    log "no kubectl on PATH: building kubectl $K8S_VERSION"
    prepare_module
    go_build k8s.io/kubernetes/cmd/kubectl "$BIN/kubectl.new"
    mv "$BIN/kubectl.new" "$BIN/kubectl"
    rm -rf "$WORK/gocache"
  fi
  echo "$BIN/kubectl"
}

build() {
  have_binaries && return 0
  mkdir -p "$CACHE_ROOT"
  # One build at a time per cache: a second `up` waits for the first one's build.
  exec 8>"$CACHE_ROOT/.lock"
  if ! flock -n 8; then
    log "another build holds $CACHE_ROOT/.lock: waiting for it"
    flock 8
  fi
  if have_binaries; then
    exec 8>&-
    return 0
  fi
  local out start target
  out=$CACHE/bin.new
  rm -rf "$out"
  mkdir -p "$out"
  start=$(date +%s)
  log "cold build of kubernetes $K8S_VERSION and etcd $ETCD_VERSION with $($(go_bin) version)"
  log "(15-40 minutes on 2 cores at nice 19; modules and build cache go to $CACHE_ROOT)"
  prepare_module
  for target in k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubelet; do
    log "building ${target##*/} ($(($(date +%s) - start)) s so far)"
    go_build "$target" "$out/"
  done
  log "building etcd ($(($(date +%s) - start)) s so far)"
  go_build go.etcd.io/etcd/server/v3 "$out/etcd"
  echo "kubernetes $K8S_VERSION etcd $ETCD_VERSION" >"$out/VERSIONS"
  rm -rf "$BIN"
  mv "$out" "$BIN"
  # Go makes its module cache read-only; -modcacherw is not needed since it is kept.
  rm -rf "$WORK/gocache"
  log "built in $(($(date +%s) - start)) s: $(du -sh "$BIN" | cut -f1) of binaries, $(du -sh "$CACHE_ROOT" | cut -f1) of cache in all"
  exec 8>&-
}

# ---------------------------------------------------------------------------------------
# Processes: each daemon runs in its own session with its log in $STATE/logs, its PID and
# start time (field 22 of /proc/PID/stat) in $STATE/pids, so `down` kills that process and
# no other one that reused its PID.
# ---------------------------------------------------------------------------------------

start_time() { awk '{ print $22 }' "/proc/$1/stat" 2>/dev/null; }

start_daemon() {
  local name=$1
  shift
  # setsid in a non-leader process execs the command in place: $! is the daemon itself.
  setsid "$@" </dev/null >"$STATE/logs/$name.log" 2>&1 &
  local pid=$!
  echo "$pid $(start_time "$pid")" >"$STATE/pids/$name"
  log "started $name (pid $pid, log $STATE/logs/$name.log)"
}

# Prints the PID recorded for NAME if that very process still runs.
recorded_pid() {
  local pid stime
  read -r pid stime 2>/dev/null <"$STATE/pids/$1" || return 1
  [ -n "$pid" ] && [ "$(start_time "$pid")" = "$stime" ] && echo "$pid"
}

stop_daemon() {
  local name=$1 pid i
  pid=$(recorded_pid "$name") || return 0
  kill -TERM "$pid" 2>/dev/null || true
  # Ten seconds to exit cleanly, then SIGKILL.
  for i in $(seq 1 100); do
    [ -z "$(start_time "$pid")" ] && break
    if [ "$i" = 100 ]; then kill -KILL "$pid" 2>/dev/null || true; fi
    sleep 0.1
  done
  log "stopped $name (pid $pid)"
}

# Waits up to SECONDS for COMMAND to succeed; fails naming WHAT and the log to read.
wait_for() {
  local what=$1 seconds=$2 logname=$3 i
  shift 3
  for ((i = 0; i < seconds * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    if [ -n "$logname" ] && ! recorded_pid "$logname" >/dev/null; then
      tail -n 20 "$STATE/logs/$logname.log" >&2 || true
      die "$logname exited while waiting for $what"
    fi
    sleep 0.2
  done
  [ -z "$logname" ] || tail -n 20 "$STATE/logs/$logname.log" >&2 || true
  die "timed out after ${seconds}s waiting for $what"
}

# ---------------------------------------------------------------------------------------
# Certificates: one CA signs everything. EC P-256 keys (fast to make, accepted everywhere).
# ---------------------------------------------------------------------------------------

# cert NAME SUBJECT EXTENSIONS: NAME.key and NAME.crt in $PKI, signed by the CA.
cert() {
  local name=$1 subject=$2 ext=$3
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$subject" \
    -keyout "$PKI/$name.key" -out "$PKI/$name.csr" 2>/dev/null
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n%s\n' "$ext" >"$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days 3650 -extfile "$PKI/$name.ext" \
    -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

make_pki() {
  mkdir -p "$PKI"
  chmod 700 "$PKI"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=execmux-kube-ca" -keyout "$PKI/ca.key" -out "$PKI/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  cert apiserver "/CN=kube-apiserver" "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  # The user of kubectl and execmux: system:masters, so RBAC lets it do everything.
  cert admin "/O=system:masters/CN=execmux-admin" "extendedKeyUsage=clientAuth"
  cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "extendedKeyUsage=clientAuth"
  # The kubelet's identity towards the API server (the Node authorizer reads it).
  cert kubelet-client "/O=system:nodes/CN=system:node:$NODE" "extendedKeyUsage=clientAuth"
  cert kubelet "/CN=$NODE" "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:$NODE"
  # Service-account tokens: the API server needs a signing key even if no pod mounts one.
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key" 2>/dev/null
  openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
}

# kubeconfig FILE CERT_NAME: a kubeconfig for that client certificate, certificates inline.
kubeconfig() {
  local file=$1 name=$2
  cat >"$file" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: execmux-kube
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$name.crt")
    client-key-data: $(base64 -w0 "$PKI/$name.key")
contexts:
- name: execmux-kube
  context:
    cluster: execmux-kube
    user: $name
    namespace: default
current-context: execmux-kube
KUBECONFIG
  chmod 600 "$file"
}

# ---------------------------------------------------------------------------------------
# Images: one layer holding busybox-static and its applets, two image configs (the pause
# image of every pod sandbox, and the test image), written as an OCI image layout and
# imported with ctr. Pods use imagePullPolicy: Never, nothing is pulled.
# ---------------------------------------------------------------------------------------

blob() { # blob FILE: moves FILE into the layout's blobs, prints its digest and size
  local digest size
  digest=sha256:$(sha256sum "$1" | cut -d' ' -f1)
  size=$(stat -c %s "$1")
  mv "$1" "$OCI/blobs/sha256/${digest#sha256:}"
  echo "$digest $size"
}

image_manifest() { # image_manifest NAME CMD_JSON LAYER_DIGEST LAYER_SIZE DIFF_ID ARCH
  local name=$1 cmd=$2 layer=$3 layer_size=$4 diff_id=$5 arch=$6 config manifest
  printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["%s"]}}' \
    "$arch" "$cmd" "$diff_id" >"$OCI/config.json"
  read -r config config_size < <(blob "$OCI/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"%s","size":%s}]}' \
    "$config" "$config_size" "$layer" "$layer_size" >"$OCI/manifest.json"
  read -r manifest manifest_size < <(blob "$OCI/manifest.json")
  printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}' \
    "$manifest" "$manifest_size" "$name" "${name##*:}"
}

make_images() {
  local busybox rootfs arch layer layer_size diff_id applet pause box
  busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
  file -L "$busybox" 2>/dev/null | grep -q 'statically linked' || die "$busybox is not static (apt-get install busybox-static)"
  case $(uname -m) in
    x86_64) arch=amd64 ;;
    aarch64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
  esac
  rootfs=$STATE/images/rootfs
  OCI=$STATE/images/oci
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root" "$OCI/blobs/sha256"
  cp "$busybox" "$rootfs/bin/busybox"
  for applet in $("$busybox" --list-full); do
    [ -e "$rootfs/$applet" ] && continue
    mkdir -p "$rootfs/$(dirname "$applet")"
    ln -s /bin/busybox "$rootfs/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' >"$rootfs/etc/group"
  chmod 1777 "$rootfs/tmp"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$OCI/layer.tar" .
  diff_id=sha256:$(sha256sum "$OCI/layer.tar" | cut -d' ' -f1)
  read -r layer layer_size < <(blob "$OCI/layer.tar")
  # The sandbox's process only holds the pod's namespaces; containerd kills it with SIGKILL.
  pause=$(image_manifest "$PAUSE_IMAGE" '["/bin/sleep","2147483647"]' "$layer" "$layer_size" "$diff_id" "$arch")
  box=$(image_manifest "$BOX_IMAGE" '["/bin/sh"]' "$layer" "$layer_size" "$diff_id" "$arch")
  printf '{"imageLayoutVersion":"1.0.0"}' >"$OCI/oci-layout"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[%s,%s]}' \
    "$pause" "$box" >"$OCI/index.json"
  tar -C "$OCI" -cf "$STATE/images/images.tar" oci-layout index.json blobs
  rm -rf "$rootfs" "$OCI"
}

# ---------------------------------------------------------------------------------------
# Configuration of the private containerd and of the kubelet.
# ---------------------------------------------------------------------------------------

write_containerd_config() {
  mkdir -p "$STATE/containerd" "$STATE/cni/bin" "$STATE/cni/net.d"
  cat >"$STATE/containerd/config.toml" <<TOML
version = 2
root = "$STATE/containerd/root"
state = "$STATE/containerd/state"
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$STATE/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # The streaming server (exec, attach, port-forward) on loopback, on a free port.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # Pods ask for oom_score_adj -998; lowering it needs CAP_SYS_RESOURCE, which root may
  # lack (in a container or a VM sandbox): clamp to containerd's own value instead.
  restrict_oom_score_adj = true
  # A pod network namespace (none while the pods use the host's) would live here too.
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$STATE/cni/bin"
    conf_dir = "$STATE/cni/net.d"
TOML
  # The pods use the host's network, so no CNI plugin ever runs. The runtime still reports
  # its network ready only once a CNI configuration is loaded (and the kubelet marks the
  # node NotReady until then): this one names a plugin that does not exist, so a pod
  # without hostNetwork fails to start with a clear error instead of hanging.
  cat >"$STATE/cni/net.d/10-execmux-host-only.conflist" <<'JSON'
{"cniVersion":"0.4.0","name":"execmux-host-network-only","plugins":[{"type":"execmux-no-pod-network"}]}
JSON
}

write_kubelet_config() {
  mkdir -p "$STATE/kubelet" "$STATE/pod-logs"
  cat >"$STATE/kubelet-config.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://$SOCK
# cgroup v1 without systemd: the kubelet's cgroupfs driver, no per-QoS cgroup tree (it
# needs controllers this machine may lack). containerd puts each container's cgroup at
# /k8s.io/<container id> in every hierarchy.
cgroupDriver: cgroupfs
cgroupsPerQOS: false
enforceNodeAllocatable: []
failCgroupV1: false
failSwapOn: false
podLogsDir: $STATE/pod-logs
# The images are imported, never pulled: never collect them, evict only when truly short.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "50Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
serializeImagePulls: false
registerNode: true
YAML
}

# ---------------------------------------------------------------------------------------
# up / down / status
# ---------------------------------------------------------------------------------------

SOCK=$STATE/containerd.sock
PKI=$STATE/pki
# The kubelet sets these host sysctls to the values it wants; `down` puts them back.
SYSCTLS="vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes"

ctr_() { ctr -a "$SOCK" -n k8s.io "$@"; }
api() { # api METHOD PATH [curl args...]: a request to the API server as the admin
  local method=$1 path=$2
  shift 2
  curl -sS --fail --max-time 10 --cacert "$STATE/pki/ca.crt" --cert "$STATE/pki/admin.crt" \
    --key "$STATE/pki/admin.key" -X "$method" "https://127.0.0.1:$API_PORT$path" "$@"
}

# The test pods: `box` with two containers (`box` and `side`), `box2` with one, all busybox
# sleeping in the host's network namespace. `kubectl get pod box -o yaml` shows the rest.
pod_json() { # pod_json NAME CONTAINER...
  local name=$1 c sep=
  shift
  printf '{"apiVersion":"v1","kind":"Pod",\n'
  printf ' "metadata":{"name":"%s","namespace":"default","labels":{"app":"execmux-test"}},\n' "$name"
  printf ' "spec":{"nodeName":"%s","hostNetwork":true,"automountServiceAccountToken":false,\n' "$NODE"
  printf '  "terminationGracePeriodSeconds":1,"containers":['
  for c in "$@"; do
    printf '%s\n   {"name":"%s","image":"%s","imagePullPolicy":"Never","command":["sleep","2147483647"]}' \
      "$sep" "$c" "$BOX_IMAGE"
    sep=,
  done
  printf ']}}\n'
}

create_pod() { # create_pod NAME CONTAINER...
  pod_json "$@" | api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' \
    --data-binary @- >/dev/null || die "could not create pod $1"
}

pod_running() { api GET "/api/v1/namespaces/default/pods/$1" | grep -q '"phase": *"Running"'; }
node_ready() {
  api GET "/api/v1/nodes/$NODE" | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'
}

all_running() {
  local name
  for name in containerd etcd kube-apiserver kubelet; do
    recorded_pid "$name" >/dev/null || return 1
  done
}

# On a failed `up`: keep the logs, take down what was started (EXECMUX_KUBE_KEEP=1 leaves
# it all running to look at; `down` removes it).
up_failed() {
  local logs
  logs=$(mktemp -d "${TMPDIR:-/tmp}/execmux-kube-logs.XXXXXX")
  cp -r "$STATE/logs/." "$logs/" 2>/dev/null || true
  log "up failed; the logs are in $logs"
  if [ "${EXECMUX_KUBE_KEEP:-0}" = 1 ]; then
    log "EXECMUX_KUBE_KEEP=1: left running in $STATE"
    return
  fi
  log "taking down what it started"
  down
}

up() {
  [ "$(id -u)" = 0 ] || die "needs root (containerd, runc and the kubelet)"
  local tool
  for tool in openssl curl containerd containerd-shim-runc-v2 runc ctr setsid flock file tar; do
    command -v "$tool" >/dev/null || die "$tool not found (scripts/setup.sh installs what is needed)"
  done
  if [ -d "$STATE" ]; then
    if all_running && node_ready; then
      log "already running ($STATE)"
      echo "export KUBECONFIG=$STATE/admin.kubeconfig"
      return 0
    fi
    log "a half-running cluster is in $STATE: taking it down first"
    down
  fi
  build
  # From here on a failure (or an interrupt) takes down whatever was started.
  UP_DONE=0
  trap 'exit 130' INT TERM
  trap 'if [ "$UP_DONE" = 0 ]; then up_failed; fi' EXIT
  mkdir -p "$STATE/logs" "$STATE/pids"
  chmod 700 "$STATE"
  local name value
  for name in $SYSCTLS; do
    value=$(sysctl -n "$name" 2>/dev/null) && echo "$name=$value" >>"$STATE/sysctl.saved"
  done

  log "making certificates and images"
  make_pki
  kubeconfig "$STATE/admin.kubeconfig" admin
  kubeconfig "$STATE/kubelet.kubeconfig" kubelet-client
  make_images

  write_containerd_config
  start_daemon containerd containerd --config "$STATE/containerd/config.toml"
  wait_for "containerd" 30 containerd ctr -a "$SOCK" version
  ctr_ images import "$STATE/images/images.tar" >/dev/null
  log "imported $PAUSE_IMAGE and $BOX_IMAGE"

  start_daemon etcd "$BIN/etcd" --name execmux --data-dir "$STATE/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "execmux=http://127.0.0.1:$ETCD_PEER_PORT" --unsafe-no-fsync
  wait_for "etcd" 30 etcd curl -sf "http://127.0.0.1:$ETCD_PORT/health"

  # No controller-manager creates the default service accounts: the ServiceAccount
  # admission plugin is off. The endpoint reconciler would publish 127.0.0.1 for the
  # `kubernetes` service, which validation rejects: it is off too.
  start_daemon kube-apiserver "$BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" \
    --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
    --client-ca-file "$PKI/ca.crt" --authorization-mode Node,RBAC \
    --kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$PKI/ca.crt" --kubelet-preferred-address-types Hostname \
    --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-cluster-ip-range 10.96.0.0/24 --disable-admission-plugins ServiceAccount \
    --endpoint-reconciler-type none --profiling=false
  wait_for "kube-apiserver" 90 kube-apiserver api GET /readyz

  write_kubelet_config
  # --containerd (deprecated, still read) points the kubelet's built-in cAdvisor at the
  # private containerd instead of the system's default socket.
  start_daemon kubelet "$BIN/kubelet" --config "$STATE/kubelet-config.yaml" \
    --kubeconfig "$STATE/kubelet.kubeconfig" --root-dir "$STATE/kubelet" \
    --hostname-override "$NODE" --v 2 --containerd "$SOCK"
  wait_for "node $NODE Ready" 120 kubelet node_ready
  log "node $NODE is Ready"

  create_pod box box side
  create_pod box2 box
  for name in box box2; do
    wait_for "pod $name Running" 120 kubelet pod_running "$name"
    log "pod $name is Running"
  done
  UP_DONE=1
  echo "export KUBECONFIG=$STATE/admin.kubeconfig"
}

# Processes whose command line names our containerd's socket: its shims (the runtime
# starts them with `-address SOCK`; they outlive containerd).
our_shims() {
  local pid
  for pid in $(pgrep -f containerd-shim 2>/dev/null || true); do
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-address $SOCK " && echo "$pid"
  done
  return 0
}

down() {
  [ -d "$STATE" ] || {
    log "nothing to take down ($STATE does not exist)"
    return 0
  }
  # The kubelet first, or it would start again what is being stopped.
  stop_daemon kubelet
  stop_daemon kube-apiserver
  stop_daemon etcd
  # Every task of the private containerd (the pods' containers and sandboxes) is killed and
  # deleted through containerd, which also ends their shims. containerd gives each container (and sandbox) the cgroup /k8s.io/ID in every hierarchy.
  # The IDs come from containerd and from its task state directory, which outlives a
  # crashed containerd, to find a process left in those cgroups.
  local id pid dir ids
  ids=$({
    ls "$STATE/containerd/state/io.containerd.runtime.v2.task/k8s.io" 2>/dev/null || true
    if recorded_pid containerd >/dev/null; then ctr_ containers ls -q 2>/dev/null || true; fi
  } | grep -E '^[0-9a-f]{64}$' | sort -u || true)
  if recorded_pid containerd >/dev/null; then
    for id in $(ctr_ tasks ls -q 2>/dev/null || true); do
      ctr_ tasks kill -a -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    for id in $(ctr_ tasks ls -q 2>/dev/null || true); do
      for _ in $(seq 1 50); do
        ctr_ tasks delete "$id" >/dev/null 2>&1 && break
        sleep 0.1
      done
    done
    for id in $ids; do
      ctr_ containers delete "$id" >/dev/null 2>&1 || true
    done
  fi
  stop_daemon containerd
  # Whatever is left in those cgroups, then the shims of our socket.
  for id in $ids; do
    for dir in /sys/fs/cgroup/*/k8s.io/"$id" /sys/fs/cgroup/k8s.io/"$id"; do
      [ -f "$dir/cgroup.procs" ] || continue
      while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$dir/cgroup.procs"
    done
  done
  for pid in $(our_shims); do kill -KILL "$pid" 2>/dev/null || true; done
  # What the runtime and the kubelet mounted under the state directory, deepest first.
  local target
  findmnt -rn -o TARGET | { grep -F "$STATE/" || true; } | awk '{ print length, $0 }' | sort -rn | cut -d' ' -f2- |
    while read -r target; do
      umount "$target" 2>/dev/null || umount -l "$target" 2>/dev/null || log "could not unmount $target"
    done
  # The containers' cgroups (removed with rmdir once empty).
  for id in $ids; do
    for dir in /sys/fs/cgroup/*/k8s.io/"$id" /sys/fs/cgroup/k8s.io/"$id"; do
      if [ -d "$dir" ]; then rmdir "$dir" 2>/dev/null || log "could not remove cgroup $dir"; fi
    done
  done
  local line
  if [ -f "$STATE/sysctl.saved" ]; then
    while read -r line; do sysctl -q -w "$line" >/dev/null 2>&1 || true; done <"$STATE/sysctl.saved"
  fi
  rm -rf "$STATE"
  log "removed $STATE"
}

status() {
  if [ ! -d "$STATE" ]; then
    echo "not running (no $STATE)"
    return 1
  fi
  local name pid rc=0
  for name in containerd etcd kube-apiserver kubelet; do
    if pid=$(recorded_pid "$name"); then
      echo "$name: running (pid $pid)"
    else
      echo "$name: not running"
      rc=1
    fi
  done
  echo "shims: $(our_shims | wc -l)"
  if [ $rc = 0 ]; then
    node_ready && echo "node $NODE: Ready" || echo "node $NODE: not Ready"
    api GET /api/v1/namespaces/default/pods | tr -d ' \n' | grep -o '"name":"[a-z0-9-]*","namespace"\|"phase":"[A-Za-z]*"' |
      sed 's/"name":"\([^"]*\)".*/pod \1:/; s/"phase":"\([^"]*\)"/\1/' | paste -d' ' - - || true
    echo "export KUBECONFIG=$STATE/admin.kubeconfig"
  fi
  return $rc
}

main() {
  [ $# -eq 1 ] || die "usage: $0 up|down|status|build|kubectl"
  case $1 in
    up) up ;;
    down) down ;;
    status) status ;;
    build) build ;;
    kubectl) build && kubectl_path ;;
    *) die "usage: $0 up|down|status|build|kubectl" ;;
  esac
}

main "$@"
