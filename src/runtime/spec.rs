//! The exec's process spec, built from the container's OCI spec process with oci-spec:
//! capabilities, rlimits, apparmor and no-new-privileges are kept; args, env, cwd, user,
//! terminal and console size are set.

use std::collections::HashSet;
use std::path::Path;

use oci_spec::runtime::{Capability, Process, Spec, User, UserBuilder};

use super::error::{Result, RuntimeError};
pub use super::in_root::executable_in_root;
use super::in_root::read_in_root;
use crate::domain::{ConsoleSize, ProcessDefaults};

/// Every Linux capability up to 6.x, in the kernel's bit order.
const ALL_CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
];

/// The container's process defaults (env, cwd, user).
pub fn defaults(spec: &Spec) -> ProcessDefaults {
    let Some(p) = spec.process() else {
        return ProcessDefaults::default();
    };
    ProcessDefaults {
        env: p.env().clone().unwrap_or_default(),
        cwd: p.cwd().to_string_lossy().into_owned(),
        user: format!("{}:{}", p.user().uid(), p.user().gid()),
    }
}

/// What an exec runs, fully resolved by the registry except a user name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessRequest {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    /// `user[:group]` by name or number; None keeps the container's user.
    pub user: Option<String>,
    pub tty: bool,
    pub console: Option<ConsoleSize>,
    pub privileged: bool,
}

/// Builds the exec's process from the container's spec. `root` is the container's root as
/// seen from the host (`/proc/PID/root`), used only to resolve user and group names.
pub fn build(spec: &Spec, req: &ProcessRequest, root: Option<&Path>) -> Result<Process> {
    if req.args.is_empty() || req.args[0].is_empty() {
        return Err(RuntimeError::Invalid("no command given".into()));
    }
    let mut p = spec.process().clone().unwrap_or_default();
    p.set_args(Some(req.args.clone()));
    p.set_env(Some(req.env.clone()));
    p.set_cwd(req.cwd.clone().into());
    p.set_terminal(Some(req.tty));
    p.set_console_size(if req.tty {
        let size = req
            .console
            .unwrap_or(ConsoleSize { rows: 24, cols: 80 })
            .clamped();
        oci_spec::runtime::BoxBuilder::default()
            .height(u64::from(size.rows))
            .width(u64::from(size.cols))
            .build()
            .ok()
    } else {
        None
    });
    if let Some(user) = &req.user {
        p.set_user(resolve_user(user, root)?);
    }
    if req.privileged {
        let all = privileged_caps();
        let mut caps = p.capabilities().clone().unwrap_or_default();
        caps.set_bounding(Some(all.clone()));
        caps.set_effective(Some(all.clone()));
        caps.set_permitted(Some(all));
        p.set_capabilities(Some(caps));
    }
    Ok(p)
}

/// What "every capability" means on this node: those in our own bounding set (containerd's
/// privileged mode takes the current process's set the same way), since asking runc for a
/// capability the node withholds fails the start with "unable to apply caps".
pub fn privileged_caps() -> HashSet<Capability> {
    let bounding = crate::procfs::read_small("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapBnd:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        });
    ALL_CAPS
        .iter()
        .enumerate()
        .filter(|(bit, _)| bounding.is_none_or(|b| b & (1u64 << bit) != 0))
        .filter_map(|(_, c)| serde_json::from_value(serde_json::Value::from(*c)).ok())
        .collect()
}

/// The process as the JSON the shim parses.
pub fn to_json(p: &Process) -> Result<Vec<u8>> {
    serde_json::to_vec(p).map_err(|e| RuntimeError::Invalid(format!("process spec: {e}")))
}

/// Resolves `user[:group]` (names or numbers) the way Docker does: a name is looked up in
/// the container's `/etc/passwd`, a group name in `/etc/group`; a numeric uid without a
/// passwd entry runs with gid 0 unless a group is given.
pub fn resolve_user(spec: &str, root: Option<&Path>) -> Result<User> {
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    if user.is_empty() || group.is_some_and(str::is_empty) {
        return Err(RuntimeError::Invalid(format!(
            "invalid user {spec:?}: expected USER[:GROUP]"
        )));
    }
    let passwd = match root {
        Some(r) => read_in_root(r, "etc/passwd")?.unwrap_or_default(),
        None => String::new(),
    };
    let entry = passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() >= 4 && (f[0] == user || f[2] == user)).then(|| {
            (
                f[0].to_owned(),
                f[2].parse::<u32>().ok(),
                f[3].parse::<u32>().ok(),
            )
        })
    });
    let (name, uid, mut gid) = match (user.parse::<u32>(), entry) {
        (_, Some((name, Some(uid), gid))) => (Some(name), uid, gid.unwrap_or(0)),
        (Ok(uid), _) => (None, uid, 0),
        (Err(_), _) => {
            return Err(RuntimeError::Invalid(format!(
                "unable to find user {user}: no matching entries in passwd file"
            )));
        }
    };
    let groups = match root {
        Some(r) => read_in_root(r, "etc/group")?.unwrap_or_default(),
        None => String::new(),
    };
    if let Some(g) = group {
        gid = match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => groups
                .lines()
                .find_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    (f.len() >= 3 && f[0] == g)
                        .then(|| f[2].parse::<u32>().ok())
                        .flatten()
                })
                .ok_or_else(|| {
                    RuntimeError::Invalid(format!(
                        "unable to find group {g}: no matching entries in group file"
                    ))
                })?,
        };
    }
    let additional: Vec<u32> = name
        .map(|n| {
            groups
                .lines()
                .filter_map(|l| {
                    let f: Vec<&str> = l.split(':').collect();
                    (f.len() >= 4 && f[3].split(',').any(|m| m == n))
                        .then(|| f[2].parse::<u32>().ok())
                        .flatten()
                })
                .filter(|g| *g != gid)
                .collect()
        })
        .unwrap_or_default();
    let mut b = UserBuilder::default().uid(uid).gid(gid);
    if !additional.is_empty() {
        b = b.additional_gids(additional);
    }
    b.build().map_err(|e| RuntimeError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> ProcessRequest {
        ProcessRequest {
            args: vec!["/bin/sh".into()],
            env: vec!["A=1".into()],
            cwd: "/tmp".into(),
            user: None,
            tty: true,
            console: Some(ConsoleSize {
                rows: 30,
                cols: 100,
            }),
            privileged: false,
        }
    }

    #[test]
    fn keeps_container_security_and_sets_ours() {
        let spec = Spec::default();
        let p = build(&spec, &request(), None).expect("build");
        assert_eq!(p.args().as_deref(), Some(&["/bin/sh".to_owned()][..]));
        assert_eq!(p.cwd(), Path::new("/tmp"));
        assert_eq!(
            p.console_size().map(|b| (b.height(), b.width())),
            Some((30, 100))
        );
        assert_eq!(
            p.no_new_privileges(),
            spec.process().as_ref().and_then(Process::no_new_privileges)
        );
        assert_eq!(
            p.capabilities(),
            &spec
                .process()
                .as_ref()
                .and_then(|p| p.capabilities().clone())
        );
    }

    #[test]
    fn privileged_grants_every_capability_without_touching_inheritable() {
        let mut req = request();
        req.privileged = true;
        let p = build(&Spec::default(), &req, None).expect("build");
        let caps = p.capabilities().clone().expect("caps");
        assert_eq!(caps.bounding().as_ref(), Some(&privileged_caps()));
        assert_eq!(caps.effective().as_ref(), Some(&privileged_caps()));
        assert!(privileged_caps().len() > 30, "{:?}", privileged_caps());
        assert!(
            !caps
                .inheritable()
                .as_ref()
                .is_some_and(|s| s.contains(&Capability::SysAdmin))
        );
    }

    #[test]
    fn tty_never_gets_zero_size_and_pipe_gets_none() {
        let mut req = request();
        req.console = Some(ConsoleSize { rows: 0, cols: 0 });
        let p = build(&Spec::default(), &req, None).expect("build");
        assert_eq!(
            p.console_size().map(|b| (b.height(), b.width())),
            Some((1, 1))
        );
        req.tty = false;
        let p = build(&Spec::default(), &req, None).expect("build");
        assert!(p.console_size().is_none());
    }

    #[test]
    fn users_by_number_and_name() {
        let root = std::env::temp_dir().join(format!("execmux-spec-{}", std::process::id()));
        std::fs::create_dir_all(root.join("etc")).expect("mkdir");
        std::fs::write(
            root.join("etc/passwd"),
            "root:x:0:0::/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n",
        )
        .expect("passwd");
        std::fs::write(
            root.join("etc/group"),
            "root:x:0:\nnogroup:x:65534:\nwheel:x:10:nobody\n",
        )
        .expect("group");
        let u = resolve_user("nobody", Some(&root)).expect("nobody");
        assert_eq!((u.uid(), u.gid()), (65534, 65534));
        assert_eq!(u.additional_gids().as_deref(), Some(&[10][..]));
        let u = resolve_user("4242:4242", Some(&root)).expect("numeric");
        assert_eq!((u.uid(), u.gid()), (4242, 4242));
        let u = resolve_user("4242", Some(&root)).expect("numeric alone");
        assert_eq!((u.uid(), u.gid()), (4242, 0));
        let u = resolve_user("0:nogroup", Some(&root)).expect("group name");
        assert_eq!((u.uid(), u.gid()), (0, 65534));
        assert!(resolve_user("alice", Some(&root)).is_err());
        assert!(resolve_user("root:nosuch", Some(&root)).is_err());
        assert!(resolve_user(":", Some(&root)).is_err());
        // A link planted in the container's /etc cannot lead to a host file.
        std::fs::remove_file(root.join("etc/passwd")).expect("rm");
        std::os::unix::fs::symlink("/etc/passwd", root.join("etc/passwd")).expect("link");
        assert!(read_in_root(&root, "etc/passwd").is_err());
        assert!(resolve_user("root", Some(&root)).is_err());
        // A FIFO is refused at once (no writer would ever come), and so is a huge file.
        std::fs::remove_file(root.join("etc/passwd")).expect("rm");
        nix::unistd::mkfifo(
            &root.join("etc/passwd"),
            nix::sys::stat::Mode::from_bits_truncate(0o644),
        )
        .expect("mkfifo");
        let e = resolve_user("root", Some(&root)).expect_err("a FIFO");
        assert!(
            e.to_string().contains("is a FIFO, not a regular file"),
            "{e}"
        );
        std::fs::remove_file(root.join("etc/passwd")).expect("rm");
        let big = std::fs::File::create(root.join("etc/passwd")).expect("create");
        big.set_len(crate::runtime::in_root::MAX_FILE + 1)
            .expect("grow");
        let e = resolve_user("root", Some(&root)).expect_err("a huge file");
        assert!(e.to_string().contains("larger than 1024 KiB"), "{e}");
        // No passwd at all: a numeric user still works, a name does not.
        std::fs::remove_file(root.join("etc/passwd")).expect("rm");
        assert!(resolve_user("4242", Some(&root)).is_ok());
        assert!(resolve_user("root", Some(&root)).is_err());
        let _ = std::fs::remove_dir_all(&root);
    }
}
