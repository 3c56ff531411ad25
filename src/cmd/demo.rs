//! `execmux demo`: a private containerd with three busybox containers that look like a small
//! node (a web server, a worker writing logs, an idle one running as nobody), `execmux ps`
//! on it and a shell in the web container; on exit everything is stopped and removed.

use std::process::Command;

use tokio::signal::unix::{SignalKind, signal};

use crate::domain::{ContainerId, Namespace};
use crate::runtime::sandbox::{ContainerDef, Sandbox, SandboxClient};

use super::CmdError;

/// The namespace the demo containers live in.
pub const NAMESPACE: &str = "demo";

/// The demo's containers: id, name label and definition.
pub fn containers() -> Vec<(&'static str, ContainerDef)> {
    let mut web = ContainerDef::shell("exec httpd -f -p 80 -h /var/www");
    web.labels.push(("nerdctl/name".into(), "web".into()));
    let mut worker = ContainerDef::shell(
        "i=0; while :; do i=$((i+1)); echo \"$(date -Iseconds) job $i done\" >> /tmp/worker.log; sleep 2; done",
    );
    worker.labels.push(("nerdctl/name".into(), "worker".into()));
    let mut idle = ContainerDef::sleeper();
    idle.uid = 65534;
    idle.gid = 65534;
    idle.cwd = "/home/nobody".into();
    idle.labels.push(("nerdctl/name".into(), "idle".into()));
    vec![("web", web), ("worker", worker), ("idle", idle)]
}

/// Creates and starts the demo containers.
pub async fn populate(client: &SandboxClient) -> Result<(), CmdError> {
    let ns = Namespace::from(NAMESPACE);
    for (id, def) in containers() {
        client
            .create_container(&ns, &ContainerId::from(id), &def, true)
            .await?;
    }
    Ok(())
}

/// Runs this binary against the sandbox with `args`, in the caller's terminal.
fn run_self(sandbox: &Sandbox, args: &[&str]) -> Result<i32, CmdError> {
    let exe = std::env::current_exe()?;
    let status = Command::new(exe)
        .args(args)
        .env("CONTAINERD_ADDRESS", sandbox.address())
        .env("CONTAINERD_NAMESPACE", NAMESPACE)
        .env("EXECMUX_RUNTIME_DIR", sandbox.dir().join("fifo"))
        .status()?;
    Ok(status.code().unwrap_or(1))
}

pub async fn run() -> Result<i32, CmdError> {
    // The children share our terminal: Ctrl-C is theirs to handle, not a reason to leave
    // the sandbox behind.
    let _int = signal(SignalKind::interrupt())?;
    eprintln!("execmux demo: starting a private containerd ...");
    let guard = std::env::current_exe()?;
    let sandbox = Sandbox::start(Some(&guard)).await?;
    let result = async {
        populate(&sandbox.client()).await?;
        eprintln!(
            "execmux demo: containerd at {} with containers web, worker and idle in namespace {NAMESPACE}\n",
            sandbox.address().display()
        );
        run_self(&sandbox, &["ps"])?;
        if rustix::termios::isatty(rustix::stdio::stdin()) {
            eprintln!(
                "\nexecmux demo: a shell in container web (`execmux exec -it web -- /bin/sh`).\n\
                 Try `wget -qO- localhost`, `ps`, `cat /proc/1/status`; `exit` ends the demo,\n\
                 ctrl-p ctrl-q detaches and leaves the shell running until the demo stops.\n"
            );
            run_self(&sandbox, &["exec", "-it", "web", "--", "/bin/sh"])?;
        } else {
            run_self(&sandbox, &["exec", "web", "--", "/bin/sh", "-c", "wget -qO- localhost"])?;
        }
        Ok::<_, CmdError>(0)
    }
    .await;
    eprintln!("execmux demo: stopping containerd and removing everything ...");
    sandbox.stop().await?;
    result
}
