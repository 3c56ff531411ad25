//! What a sandbox container is: its definition, the read-only busybox root it runs on
//! (from the host's `busybox-static`), its OCI spec, and the private daemon's config.

use std::path::{Path, PathBuf};
use std::process::Command;

use oci_spec::runtime::{
    LinuxBuilder, MountBuilder, ProcessBuilder, RootBuilder, Spec, UserBuilder,
};

use crate::domain::{ContainerId, Namespace};
use crate::runtime::RuntimeError;
use crate::runtime::error::Result;

pub(super) const INSTALL_HINT: &str =
    "install it with: apt-get install -y containerd runc busybox-static (as root)";

/// Docker's default capability set, so that sandbox containers look like real ones.
const DEFAULT_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// What a sandbox container runs.
#[derive(Debug, Clone)]
pub struct ContainerDef {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    /// `uid:gid`.
    pub uid: u32,
    pub gid: u32,
    pub labels: Vec<(String, String)>,
}

impl ContainerDef {
    /// A container whose init just sleeps.
    pub fn sleeper() -> Self {
        Self::shell("exec sleep 100000")
    }

    /// A container whose init runs `script` with `/bin/sh -c`.
    pub fn shell(script: &str) -> Self {
        Self {
            args: vec!["/bin/sh".into(), "-c".into(), script.into()],
            env: vec!["PATH=/bin".into(), "HOME=/root".into(), "SANDBOX=1".into()],
            cwd: "/".into(),
            uid: 0,
            gid: 0,
            labels: Vec::new(),
        }
    }
}

pub(super) fn which(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into());
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(tool))
        .find(|p| p.is_file())
}

pub(super) fn io(what: &str) -> impl FnOnce(std::io::Error) -> RuntimeError + '_ {
    move |e| RuntimeError::io(what, e)
}

/// Builds a read-only busybox root: every applet linked into /bin, root and nobody users.
pub(super) fn build_rootfs(root: &Path) -> Result<()> {
    let busybox = which("busybox")
        .ok_or_else(|| RuntimeError::Invalid(format!("busybox not found; {INSTALL_HINT}")))?;
    for d in [
        "bin",
        "etc",
        "proc",
        "sys",
        "dev",
        "tmp",
        "root",
        "var/www",
        "home/nobody",
    ] {
        std::fs::create_dir_all(root.join(d)).map_err(io("create rootfs"))?;
    }
    std::fs::copy(&busybox, root.join("bin/busybox")).map_err(io("copy busybox"))?;
    let list = Command::new(&busybox)
        .arg("--list")
        .output()
        .map_err(io("busybox --list"))?;
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        let link = root.join("bin").join(applet.trim());
        if applet.trim().is_empty() || applet.contains('/') || link.exists() {
            continue;
        }
        std::os::unix::fs::symlink("busybox", &link).map_err(io("link applet"))?;
    }
    std::fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home/nobody:/bin/sh\n",
    )
    .map_err(io("write passwd"))?;
    std::fs::write(root.join("etc/group"), "root:x:0:\nnogroup:x:65534:\n")
        .map_err(io("write group"))?;
    std::fs::write(
        root.join("etc/hosts"),
        "127.0.0.1 localhost\n::1 localhost\n",
    )
    .map_err(io("write hosts"))?;
    std::fs::write(
        root.join("var/www/index.html"),
        "<h1>execmux demo</h1><p>served by busybox httpd in a container</p>\n",
    )
    .map_err(io("write index.html"))?;
    Ok(())
}

pub(super) fn config(dir: &Path, address: &Path) -> String {
    let d = dir.display();
    format!(
        r#"version = 2
root = "{d}/root"
state = "{d}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{address}"

[ttrpc]
  address = "{address}.ttrpc"

[debug]
  level = "warn"

[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "{d}/opt"
"#,
        address = address.display()
    )
}

pub(super) fn spec(
    rootfs: &Path,
    ns: &Namespace,
    id: &ContainerId,
    def: &ContainerDef,
) -> Result<Spec> {
    let err = |e: oci_spec::OciSpecError| RuntimeError::Invalid(format!("sandbox spec: {e}"));
    let mut spec = Spec::default();
    let caps: std::collections::HashSet<oci_spec::runtime::Capability> = DEFAULT_CAPS
        .iter()
        .filter_map(|c| serde_json::from_value(serde_json::Value::from(*c)).ok())
        .collect();
    let mut capabilities = oci_spec::runtime::LinuxCapabilities::default();
    capabilities.set_bounding(Some(caps.clone()));
    capabilities.set_effective(Some(caps.clone()));
    capabilities.set_permitted(Some(caps));
    capabilities.set_inheritable(None);
    capabilities.set_ambient(None);
    let process = ProcessBuilder::default()
        .args(def.args.clone())
        .env(def.env.clone())
        .cwd(def.cwd.clone())
        .user(
            UserBuilder::default()
                .uid(def.uid)
                .gid(def.gid)
                .build()
                .map_err(err)?,
        )
        .capabilities(capabilities)
        .no_new_privileges(true)
        .terminal(false)
        .build()
        .map_err(err)?;
    spec.set_process(Some(process));
    spec.set_root(Some(
        RootBuilder::default()
            .path(rootfs)
            .readonly(true)
            .build()
            .map_err(err)?,
    ));
    spec.set_hostname(Some(id.to_string()));
    let mut mounts = spec.mounts().clone().unwrap_or_default();
    mounts.push(
        MountBuilder::default()
            .destination("/tmp")
            .typ("tmpfs")
            .source("tmpfs")
            .options(vec!["nosuid".into(), "nodev".into(), "mode=1777".into()])
            .build()
            .map_err(err)?,
    );
    spec.set_mounts(Some(mounts));
    let base = spec.linux().clone().unwrap_or_default();
    let linux = LinuxBuilder::default()
        .namespaces(base.namespaces().clone().unwrap_or_default())
        .masked_paths(base.masked_paths().clone().unwrap_or_default())
        .readonly_paths(base.readonly_paths().clone().unwrap_or_default())
        .cgroups_path(format!("/execmux-sandbox-{ns}-{id}"))
        .build()
        .map_err(err)?;
    spec.set_linux(Some(linux));
    Ok(spec)
}
