//! `execmux demo`: a private containerd with three busybox containers that look like a small
//! node (a web server, a worker writing logs, an idle one running as nobody) and the console
//! on it; on exit every exec is killed, the daemon stopped and everything removed.

use crate::domain::{ContainerId, Namespace};
use crate::monitor::Scope;
use crate::sandbox::{ContainerDef, Sandbox, SandboxClient};

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

pub async fn run() -> Result<i32, CmdError> {
    let cfg = super::console::load_config()?;
    eprintln!("execmux demo: starting a private containerd ...");
    let guard = std::env::current_exe()?;
    let sandbox = Sandbox::start(Some(&guard)).await?;
    let result = async {
        populate(&sandbox.client()).await?;
        let rt = sandbox.client().runtime().await?;
        let scope = Scope::One(Namespace::from(NAMESPACE));
        super::console::run_on(rt, scope, &cfg, sandbox.dir().join("fifo")).await
    }
    .await;
    eprintln!("execmux demo: stopping containerd and removing everything ...");
    sandbox.stop().await?;
    result
}
