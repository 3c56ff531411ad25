//! A "hostprog" container: the sandbox's busybox root plus real full-screen programs taken
//! from the host (vim.tiny, htop, GNU less), their shared libraries and the terminfo entries
//! they need, assembled under the sandbox's own directory once per test binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use containerd_client::services::v1::containers_client::ContainersClient;
use containerd_client::services::v1::{GetContainerRequest, UpdateContainerRequest};
use execmux::domain::ContainerId;
use execmux::sandbox::ContainerDef;

/// The host programs, at the same paths inside the container.
pub const PROGRAMS: &[&str] = &[
    "/usr/bin/vim.tiny",
    "/usr/bin/htop",
    "/usr/bin/less",
    "/usr/bin/vttest",
];

/// Terminal types whose entries the container gets.
pub const TERMS: &[&str] = &["xterm", "xterm-256color", "screen", "tmux-256color"];

const INSTALL: &str = "install them with: apt-get install -y vim-tiny htop less vttest ncurses-base \
                       ncurses-term (as root), or run scripts/setup.sh";

static ROOTFS: tokio::sync::OnceCell<Result<PathBuf, String>> = tokio::sync::OnceCell::const_new();

/// The hostprog root, built on first use beside the sandbox's own busybox root.
async fn rootfs(sandbox_dir: &Path) -> PathBuf {
    let built = ROOTFS
        .get_or_init(|| async {
            let root = sandbox_dir.join("hostprog-rootfs");
            build(&sandbox_dir.join("rootfs"), &root).map(|()| root)
        })
        .await;
    match built {
        Ok(root) => root.clone(),
        Err(e) => panic!("cannot assemble the hostprog root: {e}"),
    }
}

fn build(busybox_root: &Path, root: &Path) -> Result<(), String> {
    copy_tree(busybox_root, root)?;
    for prog in PROGRAMS {
        if !Path::new(prog).is_file() {
            return Err(format!("{prog} is missing; {INSTALL}"));
        }
        copy_file(Path::new(prog), root)?;
        for lib in libraries(prog)? {
            copy_file(&lib, root)?;
        }
    }
    for term in TERMS {
        let entry = terminfo(term).ok_or_else(|| format!("no terminfo for {term}; {INSTALL}"))?;
        copy_file(&entry, root)?;
    }
    Ok(())
}

/// The shared objects `ldd` lists for `prog` (the loader included).
fn libraries(prog: &str) -> Result<Vec<PathBuf>, String> {
    let out = Command::new("ldd")
        .arg(prog)
        .output()
        .map_err(|e| format!("ldd {prog}: {e}"))?;
    if !out.status.success() {
        return Err(format!("ldd {prog} failed"));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut libs = Vec::new();
    for line in text.lines() {
        let path = match line.split_once("=>") {
            Some((_, right)) => right.split_whitespace().next(),
            None => line.split_whitespace().next(),
        };
        if let Some(p) = path.filter(|p| p.starts_with('/')) {
            libs.push(PathBuf::from(p));
        }
    }
    Ok(libs)
}

/// Where the host keeps the compiled entry of `term`.
fn terminfo(term: &str) -> Option<PathBuf> {
    let first = term.chars().next()?;
    ["/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo"]
        .iter()
        .map(|d| Path::new(d).join(first.to_string()).join(term))
        .find(|p| p.is_file())
}

/// Copies the file `host` (following links) to the same path under `root`.
fn copy_file(host: &Path, root: &Path) -> Result<(), String> {
    let rel = host.strip_prefix("/").map_err(|e| e.to_string())?;
    let dest = root.join(rel);
    if let Some(dir) = dest.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
    }
    std::fs::copy(host, &dest).map_err(|e| format!("copy {}: {e}", host.display()))?;
    Ok(())
}

/// Copies a directory tree, keeping symbolic links as links.
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("mkdir {}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        let dest = to.join(entry.file_name());
        if kind.is_symlink() {
            let target = std::fs::read_link(entry.path()).map_err(|e| e.to_string())?;
            std::os::unix::fs::symlink(target, &dest).map_err(|e| e.to_string())?;
        } else if kind.is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), &dest).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

impl super::Ctx {
    /// A running container whose root is the hostprog root and whose init runs `script`.
    /// It is made as a busybox container (same spec, same cleanup), then its root is
    /// pointed at the hostprog root before its task starts.
    pub async fn hostprog(&self, id: &str, script: &str) -> ContainerId {
        let sandbox_dir = self
            .state_dir
            .parent()
            .expect("the state dir lies in the sandbox dir")
            .to_owned();
        let root = rootfs(&sandbox_dir).await;
        let cid = ContainerId::from(id);
        self.sandbox
            .create_container(&self.ns, &cid, &ContainerDef::shell(script), false)
            .await
            .expect("create container");
        self.set_root(&cid, &root).await;
        self.sandbox
            .start_task(&self.ns, &cid)
            .await
            .expect("start the hostprog task");
        cid
    }

    /// A running container on its own copy of the busybox root, whose init runs `script`,
    /// changed by `alter` once its task runs (what a hostile container could do to its own
    /// root; runc itself reads the root's `/etc/passwd` while it starts the task).
    pub async fn altered(&self, id: &str, script: &str, alter: impl FnOnce(&Path)) -> ContainerId {
        let sandbox_dir = self
            .state_dir
            .parent()
            .expect("the state dir lies in the sandbox dir")
            .to_owned();
        let root = sandbox_dir.join(format!("altered-{}-{id}", self.ns));
        copy_tree(&sandbox_dir.join("rootfs"), &root).expect("copy the busybox root");
        let cid = ContainerId::from(id);
        self.sandbox
            .create_container(&self.ns, &cid, &ContainerDef::shell(script), false)
            .await
            .expect("create container");
        self.set_root(&cid, &root).await;
        self.sandbox
            .start_task(&self.ns, &cid)
            .await
            .expect("start the altered task");
        alter(&root);
        cid
    }

    /// Rewrites a created container's OCI spec so that its root is `root`.
    async fn set_root(&self, id: &ContainerId, root: &Path) {
        let channel = containerd_client::connect(self.sandbox.address())
            .await
            .expect("connect to the sandbox");
        let mut client = ContainersClient::new(channel);
        let got = client
            .get(self.request(GetContainerRequest { id: id.to_string() }))
            .await
            .expect("get container")
            .into_inner();
        let mut container = got.container.expect("a container");
        let any = container.spec.as_mut().expect("a spec");
        let mut spec: serde_json::Value = serde_json::from_slice(&any.value).expect("spec json");
        spec["root"]["path"] = serde_json::Value::from(root.to_string_lossy().into_owned());
        any.value = serde_json::to_vec(&spec).expect("spec json");
        client
            .update(self.request(UpdateContainerRequest {
                container: Some(container),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["spec".into()],
                }),
            }))
            .await
            .expect("update the container's spec");
    }

    fn request<T>(&self, msg: T) -> tonic::Request<T> {
        let mut req = tonic::Request::new(msg);
        req.metadata_mut().insert(
            "containerd-namespace",
            self.ns.as_str().parse().expect("namespace as metadata"),
        );
        req
    }
}
