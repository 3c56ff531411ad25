//! The command line: global `-a`/`-n`/`-A` as ctr has them, and the subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

const ABOUT: &str = "A terminal exec console for containerd: several containers, one window, \
every exec's exit code and garbage collection in view.";

const AFTER: &str = "\
Without a subcommand execmux opens the console on the node's containerd: containers,
their execs (live, finished and collected, own and foreign), events, and a tab with an
embedded terminal per exec. Press ? in it for the keys.

Environment:
  CONTAINERD_ADDRESS    socket when -a is not given (default /run/containerd/containerd.sock)
  CONTAINERD_NAMESPACE  namespace when -n is not given (default: default)
  KUBECONFIG            with --kube: the kubeconfig files (default ~/.kube/config)
  EXECMUX_RUNTIME_DIR   where exec FIFO directories live (default /run/execmux for root,
                        else $XDG_RUNTIME_DIR/execmux)
  EXECMUX_AUDIT_LOG     the audit log (default $XDG_STATE_HOME/execmux/audit.log)
  NO_COLOR              any value: the console draws no colours
  EXECMUX_LOG           log filter, e.g. debug (log file: $XDG_STATE_HOME/execmux/execmux.log)

Exit status of `execmux exec` and `execmux attach`: the exec's own exit code; 126 when the
command cannot be run, 127 when it is not found, 128 for other start failures; 125 when
execmux itself fails (bad input, containerd error, an exec that cannot be attached).
With --kube the same: the command's code as kubectl passes it on, 125 for execmux's own
errors (a missing pod, a refusal, an unreachable API server), where kubectl says 1.

Control characters that containers put in names, labels, images and command lines are
printed escaped (\\xNN, \\u{NNNN}; in JSON \\uNNNN, C1 and DEL included), never raw.";

#[derive(Debug, Parser)]
#[command(name = "execmux", version, about = ABOUT, after_help = AFTER)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    /// Print the default config file (keys, shell, scrollback, GC interval) and exit.
    #[arg(long)]
    pub print_config: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Args)]
pub struct Global {
    /// containerd's gRPC socket.
    #[arg(
        short = 'a',
        long = "address",
        env = "CONTAINERD_ADDRESS",
        default_value = "/run/containerd/containerd.sock",
        global = true
    )]
    pub address: PathBuf,
    /// Namespace to work in (default: default; with --kube, the kubeconfig context's).
    #[arg(
        short = 'n',
        long = "namespace",
        env = "CONTAINERD_NAMESPACE",
        global = true
    )]
    pub namespace: Option<String>,
    /// Every namespace (console, ps and execs).
    #[arg(
        short = 'A',
        long = "all-namespaces",
        global = true,
        conflicts_with = "namespace"
    )]
    pub all_namespaces: bool,
    /// Where exec FIFO directories are made.
    #[arg(
        long = "runtime-dir",
        env = "EXECMUX_RUNTIME_DIR",
        global = true,
        hide_env_values = true
    )]
    pub runtime_dir: Option<PathBuf>,
    /// Work on a Kubernetes cluster through its API server (pods/exec) instead of a node's
    /// containerd: the console (`execmux --kube`: pods' containers from a watch, a tab per
    /// exec), `exec --kube POD` and `ps --kube`.
    #[arg(long, global = true)]
    pub kube: bool,
    /// With --kube: the kubeconfig context (default: the current context).
    #[arg(long, global = true, value_name = "NAME", requires = "kube")]
    pub context: Option<String>,
    /// With --kube: the kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).
    #[arg(long, global = true, value_name = "PATH", requires = "kube")]
    pub kubeconfig: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a private containerd with three demo containers and work on it; everything is
    /// stopped and removed on exit. Needs root, containerd, runc and busybox-static.
    Demo,
    /// List containers with task state, pid and exec counts.
    Ps {
        /// One JSON object per container, one per line.
        #[arg(long)]
        json: bool,
    },
    /// List execs, live or collected, own and foreign, with state and exit code.
    Execs {
        /// Keep running and print each lifecycle change (created, started, exited CODE,
        /// killed, collected, GC sweeps) as it happens.
        #[arg(long)]
        watch: bool,
        /// JSON: one object per exec (or per change with --watch), one per line.
        #[arg(long)]
        json: bool,
        /// GC interval in seconds for --watch (Docker's is 300; at most a year, 31536000).
        #[arg(long, default_value_t = 300,
              value_parser = clap::value_parser!(u64).range(1..=crate::config::MAX_GC_INTERVAL_SECS))]
        gc_interval: u64,
        /// Also kill and delete execs of ours whose owner cannot be proven gone (no or an
        /// unreadable owner record); without it they are only reported.
        #[arg(long)]
        reap_unknown: bool,
    },
    /// Run a command in a running container, as `docker exec` does.
    Exec(ExecArgs),
    /// Take over a running exec of execmux whose owner is gone or detached it (its owner
    /// becomes this process: Ctrl-C and SIGTERM kill it); the exit status is the exec's.
    Attach(AttachArgs),
    /// Print a shell completion script to stdout, e.g. `execmux completions bash`.
    Completions {
        /// The shell to write it for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout, e.g. `execmux man > execmux.1`.
    Man {
        /// Write execmux.1 and one execmux-SUBCOMMAND.1 per subcommand into DIR instead.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Internal: tears a sandbox down once stdin closes (its owner stopped or died).
    #[command(hide = true)]
    SandboxGuard { dir: PathBuf },
    /// Internal (benchmarks): runs a command with a tty, drains its output with no emulator
    /// and prints one JSON line with the bytes read and the timings.
    #[command(hide = true)]
    Drain(DrainArgs),
    /// Internal (benchmarks): a private containerd with sleeper containers in the namespace
    /// of `-n`; prints one JSON line (socket, directories, containers) and keeps it up until
    /// SIGTERM, SIGINT or SIGHUP.
    #[command(hide = true)]
    Sandbox {
        /// A container to create (repeatable).
        #[arg(long = "container", default_value = "bench")]
        containers: Vec<String>,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DrainArgs {
    /// Rows of the exec's terminal.
    #[arg(long, default_value_t = 50)]
    pub rows: u16,
    /// Columns of the exec's terminal.
    #[arg(long, default_value_t = 200)]
    pub cols: u16,
    /// The container.
    pub container: String,
    /// The command and its arguments (after `--`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true, num_args = 1.., value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    /// Keep stdin open and send it to the command (to EOF).
    #[arg(short = 'i', long)]
    pub interactive: bool,
    /// Allocate a terminal with this terminal's size; follows its resizes.
    #[arg(short = 't', long)]
    pub tty: bool,
    /// User as USER[:GROUP], names or numbers (default: the container's).
    #[arg(short = 'u', long)]
    pub user: Option<String>,
    /// Working directory (default: the container's, else /).
    #[arg(short = 'w', long = "workdir")]
    pub workdir: Option<String>,
    /// Set an environment variable (K=V; K alone removes it); repeatable.
    #[arg(short = 'e', long = "env", value_name = "K=V")]
    pub env: Vec<String>,
    /// Give the command every capability.
    #[arg(long)]
    pub privileged: bool,
    /// Keys that detach from a tty exec and leave it running.
    #[arg(
        long = "detach-keys",
        value_name = "SPEC",
        default_value = "ctrl-p,ctrl-q"
    )]
    pub detach_keys: String,
    /// Also write a transcript to FILE, a new file (0600; an existing one is refused): a
    /// header (namespace, container, exec id, command, user, tty, started), the output as
    /// it comes, then the end and the exit code.
    #[arg(long, value_name = "FILE")]
    pub transcript: Option<PathBuf>,
    /// With --kube: the pod's container (default: the one its
    /// `kubectl.kubernetes.io/default-container` annotation names, else its first, as
    /// kubectl picks it).
    #[arg(short = 'c', long = "container", value_name = "NAME")]
    pub kube_container: Option<String>,
    /// The container (with --kube: the pod).
    pub container: String,
    /// The command and its arguments (after `--` when they start with a dash).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true, num_args = 1.., value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct AttachArgs {
    /// Keys that detach from a tty exec and leave it running.
    #[arg(
        long = "detach-keys",
        value_name = "SPEC",
        default_value = "ctrl-p,ctrl-q"
    )]
    pub detach_keys: String,
    /// The exec's id (`execmux execs` lists them).
    #[arg(value_name = "EXEC_ID")]
    pub exec: String,
    /// Its container (found in the namespace when left out).
    pub container: Option<String>,
}
