//! The `execmux` binary: parses the command line, logs to a file, installs the panic hook
//! (terminal restored, every exec of ours ended), runs the subcommand and turns its result
//! into an exit status.

use std::path::PathBuf;

use clap::Parser;
use execmux::cli::{Cli, Command};
use execmux::cmd::{self, EXIT_EXECMUX};

/// `$XDG_STATE_HOME/execmux/execmux.log` (or `~/.local/state/...`).
fn log_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("execmux").join("execmux.log"))
}

/// Logs go to a file (0600, in a directory created 0700), never to the screen; a log that
/// cannot be opened safely (a symlink, not a regular file of ours, a directory others can
/// change) is said once on stderr and is no reason to fail.
fn init_logging() {
    let Some(path) = log_path() else { return };
    let file = match execmux::safe_file::open_append_private(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("execmux: not logging: {e}");
            return;
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("EXECMUX_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

/// Parses the command line; exits 125 for an argument that is not UTF-8 (a container id,
/// user or command the runtime cannot carry: bad input to execmux), and as clap does for
/// every other usage error (2), `--help` and `--version` (0).
fn parse_cli() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => {
            // `-c` belongs to `exec` and `--kube` may come before it, where clap's
            // `requires` does not see a global flag: checked here, as clap would say it.
            if let Some(Command::Exec(args)) = &cli.command
                && args.kube_container.is_some()
                && !cli.global.kube
            {
                use clap::CommandFactory;
                Cli::command()
                    .error(
                        clap::error::ErrorKind::MissingRequiredArgument,
                        "-c/--container names a pod's container: it needs --kube",
                    )
                    .exit();
            }
            cli
        }
        Err(e) if e.kind() == clap::error::ErrorKind::InvalidUtf8 => {
            let (n, arg) = std::env::args_os()
                .enumerate()
                .skip(1)
                .find(|(_, a)| a.to_str().is_none())
                .unwrap_or_default();
            // Escaped: the bad bytes and any control character as \xNN.
            let shown = arg.as_encoded_bytes().escape_ascii();
            eprintln!(
                "execmux: argument {n} ({shown}) is not valid UTF-8: container ids, users, \
                 paths and commands must be UTF-8"
            );
            std::process::exit(EXIT_EXECMUX);
        }
        Err(e) => e.exit(),
    }
}

fn main() {
    let cli = parse_cli();
    init_logging();
    if let Some(why) = execmux::audit::preflight() {
        tracing::warn!(%why, "audit log refused");
        eprintln!("execmux: the audit log will not be written: {why}");
    }
    cmd::install_panic_hook();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("execmux: cannot start the async runtime: {e}");
            std::process::exit(EXIT_EXECMUX);
        }
    };
    let global = cli.global.clone();
    let print_config = cli.print_config;
    let result = runtime.block_on(async move {
        match cli.command {
            Some(Command::Ps { json }) if global.kube => cmd::kube::ps(&global, json).await,
            Some(Command::Exec(args)) if global.kube => cmd::kube::exec(&global, args).await,
            Some(Command::Execs { .. }) if global.kube => Err(cmd::CmdError::Usage(
                "not with --kube: Kubernetes keeps no list of execs; the ones execmux runs \
                 are listed by the console that runs them"
                    .into(),
            )),
            Some(Command::Attach(_)) if global.kube => Err(cmd::CmdError::Usage(
                "not with --kube: a Kubernetes exec cannot be taken up again".into(),
            )),
            Some(Command::Demo | Command::Drain(_) | Command::Sandbox { .. }) if global.kube => {
                Err(cmd::CmdError::Usage(
                    "not with --kube: the demo and its sandbox run on a private containerd; \
                     `scripts/kube-sandbox.sh up` starts a test cluster for `execmux --kube`"
                        .into(),
                ))
            }
            None if global.kube && !print_config => cmd::console::run_kube(&global).await,
            Some(Command::Demo) => cmd::demo::run().await,
            Some(Command::Ps { json }) => cmd::ps::run(&global, json).await,
            Some(Command::Execs {
                watch,
                json,
                gc_interval,
                reap_unknown,
            }) => {
                let reap = execmux::reaper::Options { reap_unknown };
                cmd::execs::run(&global, watch, json, gc_interval, reap).await
            }
            Some(Command::Exec(args)) => cmd::exec::run(&global, args).await,
            Some(Command::Attach(args)) => cmd::attach::run(&global, args).await,
            Some(Command::Completions { shell }) => cmd::completions::completions(shell),
            Some(Command::Man { out }) => cmd::completions::man(out.as_deref()),
            Some(Command::SandboxGuard { dir }) => cmd::guard::run(&dir).await,
            Some(Command::Drain(args)) => cmd::drain::drain(&global, args).await,
            Some(Command::Sandbox { containers }) => {
                cmd::drain::sandbox(&global, &containers).await
            }
            None if print_config => {
                print!("{}", execmux::config::Config::print_defaults());
                Ok(0)
            }
            None => cmd::console::run(&global).await,
        }
    });
    cmd::restore_terminal();
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("execmux: {}", cmd::clean::text(&e.to_string()));
            EXIT_EXECMUX
        }
    };
    // Exit without waiting for a stdin reader blocked in read(2).
    runtime.shutdown_background();
    std::process::exit(code);
}
