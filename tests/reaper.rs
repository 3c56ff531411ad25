//! The reaper against a private containerd: an exec whose owner is provably gone is killed,
//! deleted and its FIFO directory removed; one whose owner is unknown is only reported
//! unless `--reap-unknown` is given; one failing orphan does not stop the rest; nothing a
//! forged record names is killed unless containerd shows it is ours.

mod common;

use std::process::{Output, Stdio};
use std::time::Duration;

use execmux::domain::{ContainerId, ExecKey, Scope};
use execmux::reaper::{self, Options, Orphan, Outcome, OwnerState, Subject};
use execmux::runtime::Deadlines;
use execmux::runtime::owner::Owner;
use execmux::runtime::spec::ProcessRequest;
use execmux::runtime::stdio::{self, StdioSet};

use common::Ctx;

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn exec_key(ctx: &Ctx, c: &ContainerId, id: &str) -> ExecKey {
    ExecKey {
        namespace: ctx.ns.clone(),
        container: c.clone(),
        exec: id.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_owners_are_reaped_unknown_owners_only_reported() {
    let ctx = common::ctx("orphans").await;
    let c = ctx.sleeper("box").await;
    // An exec of ours whose owner died: run `execmux exec` and SIGKILL it.
    let mut child = ctx
        .execmux()
        .args(["exec", "box", "--", "/bin/sleep", "1000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let owner_pid = child.id();
    common::eventually(10, async || {
        (!ctx.exec_pids(&c).await.is_empty()).then_some(())
    })
    .await
    .expect("started");
    child.kill().expect("kill execmux");
    child.wait().expect("wait");
    let orphan = ctx.exec_pids(&c).await;
    assert_eq!(orphan.len(), 1, "the exec outlived its owner");
    assert_eq!(stdio::list_dirs(&ctx.fifo_base).len(), 1);
    // An exec of ours whose record is lost.
    let unknown = "execmux-0000000000000abc";
    let lost = running_with_owner(&ctx, &c, unknown, |o| o).await;
    std::fs::remove_file(ctx.fifo_base.join(unknown).join("owner.json")).expect("rm record");

    let err = stderr_of(
        &ctx.execmux()
            .arg("execs")
            .stdin(Stdio::null())
            .output()
            .expect("execs"),
    );
    assert!(
        err.contains(&format!(
            "reaped orphan exec t-orphans/box/{} (owner pid {owner_pid} is gone)",
            orphan[0]
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "not reaped: owner unknown: no owner record: exec t-orphans/box/{unknown} left running"
        )),
        "{err}"
    );
    assert_eq!(
        ctx.exec_pids(&c).await,
        vec![unknown.to_owned()],
        "only the proven orphan went"
    );
    assert_eq!(
        stdio::list_dirs(&ctx.fifo_base),
        vec![ctx.fifo_base.join(unknown)],
        "its FIFO dir went too"
    );

    let out = ctx
        .execmux()
        .args(["execs", "--reap-unknown"])
        .stdin(Stdio::null())
        .output()
        .expect("execs");
    let err = stderr_of(&out);
    assert!(
        err.contains(&format!(
            "reaped orphan exec t-orphans/box/{unknown} (owner unknown: no owner record)"
        )),
        "{err}"
    );
    assert!(ctx.exec_pids(&c).await.is_empty());
    let made = [exec_key(&ctx, &c, &orphan[0]), lost];
    ctx.assert_no_leaks(&made).await;
}

/// A running exec `id` of ours in `ctx.fifo_base`, with its owner record replaced by `owner`.
async fn running_with_owner(
    ctx: &Ctx,
    c: &ContainerId,
    id: &str,
    owner: impl Fn(Owner) -> Owner,
) -> ExecKey {
    let key = exec_key(ctx, c, id);
    let set = StdioSet::create(&ctx.fifo_base, &key, false, true).expect("fifos");
    let pending = set.open();
    let req = ProcessRequest {
        args: vec!["/bin/sleep".into(), "1000".into()],
        env: vec![],
        cwd: "/".into(),
        user: None,
        tty: true,
        console: None,
        privileged: false,
    };
    ctx.rt.exec_create(&key, &req, &set).await.expect("exec");
    ctx.rt.exec_start(&key).await.expect("start");
    // Our end is dropped: the shim keeps the pty, the exec runs on as an orphan would.
    drop(pending.finish().await.expect("open"));
    let record = serde_json::to_vec(&owner(Owner::current(&key))).expect("json");
    std::fs::write(set.dir().join("owner.json"), record).expect("write record");
    key
}

/// A pid that no process has any more.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("/bin/true")
        .spawn()
        .expect("spawn");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

fn outcome_of<'a>(report: &'a [Orphan], key: &ExecKey) -> &'a Orphan {
    report
        .iter()
        .find(|o| o.key() == Some(key))
        .unwrap_or_else(|| panic!("{key} not in {report:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_orphan_does_not_stop_the_rest() {
    let ctx = common::ctx("reap-each").await;
    let c = ctx.sleeper("box").await;
    let frozen_box = ctx.sleeper("frozen").await;
    let gone = dead_pid();
    let dead_owner = |o| Owner {
        pid: gone,
        start_time: 1,
        ..o
    };
    // Directories are visited in name order: the failing one comes first.
    // A dead owner's exec in a paused container: its kill cannot complete, the reap fails.
    let frozen = running_with_owner(&ctx, &frozen_box, "execmux-a-frozen", dead_owner).await;
    ctx.sandbox
        .pause(&ctx.ns, &frozen_box)
        .await
        .expect("pause");
    let dead = running_with_owner(&ctx, &c, "execmux-b-dead", dead_owner).await;
    // A record from before boot ids were kept, for a pid that is gone: not proof enough.
    let old = running_with_owner(&ctx, &c, "execmux-c-old", |o| Owner {
        boot_id: None,
        ..dead_owner(o)
    })
    .await;
    let garbled = ctx.fifo_base.join("execmux-d-garbled");
    std::fs::create_dir_all(&garbled).expect("mkdir");
    std::fs::write(garbled.join("owner.json"), b"{not json").expect("write");

    let rt = ctx.rt.clone().with_deadlines(Deadlines {
        kill_wait: Duration::from_secs(1),
        ..Deadlines::default()
    });
    let scope = Scope::One(ctx.ns.clone());
    let report = reaper::reap(&rt, &ctx.fifo_base, &scope)
        .await
        .expect("reap");
    let failed = outcome_of(&report, &frozen);
    assert!(matches!(failed.outcome, Outcome::Failed(_)), "{failed:?}");
    assert_eq!(failed.owner, OwnerState::Gone { pid: gone });
    assert!(
        failed.to_string().starts_with(&format!(
            "could not reap orphan exec {frozen} (owner pid {gone} is gone): wait after kill timed out"
        )),
        "{failed}"
    );
    let reaped = outcome_of(&report, &dead);
    assert!(
        matches!(reaped.outcome, Outcome::Reaped { exit: Some(e) } if e.code == 137),
        "{reaped:?}"
    );
    let kept = outcome_of(&report, &old);
    assert_eq!(kept.outcome, Outcome::NotReaped, "{kept}");
    assert!(
        kept.to_string().contains("owner record without boot id"),
        "{kept}"
    );
    assert!(
        report
            .iter()
            .any(|o| o.subject == Subject::Dir(garbled.clone())
                && o.outcome == Outcome::NotReaped
                && o.to_string().contains("unreadable owner record"))
    );
    assert_eq!(ctx.exec_pids(&c).await, vec![old.exec.to_string()]);
    assert!(
        ctx.fifo_base.join(frozen.exec.as_str()).exists(),
        "a failed orphan's dir stays for the next run"
    );

    ctx.sandbox
        .resume(&ctx.ns, &frozen_box)
        .await
        .expect("resume");
    let report = reaper::reap_with(&rt, &ctx.fifo_base, &scope, Options { reap_unknown: true })
        .await
        .expect("reap unknown");
    for key in [&frozen, &old] {
        let o = outcome_of(&report, key);
        assert!(matches!(o.outcome, Outcome::Reaped { .. }), "{o}");
    }
    assert!(ctx.exec_pids(&c).await.is_empty());
    assert!(
        garbled.exists(),
        "a dir without a readable record is never removed"
    );
    std::fs::remove_dir_all(&garbled).expect("remove the garbled dir");
    ctx.assert_no_leaks(&[frozen, dead, old]).await;
}

/// A `ctr` exec `id` in `c` with its FIFOs in `fifo_dir` (outside our runtime dir).
fn ctr_exec(ctx: &Ctx, fifo_dir: &std::path::Path, id: &str) {
    let st = ctx
        .ctr()
        .args(["task", "exec", "-d", "--exec-id", id, "--fifo-dir"])
        .arg(fifo_dir)
        .args(["box", "/bin/sleep", "100"])
        .status()
        .expect("ctr");
    assert!(st.success(), "ctr exec {id}");
}

/// Writes a record into `base/<dir>` naming exec `id` of `c`, owned by a process that is
/// gone: what the reaper would take for an orphan if the record were all it checked.
fn forge_record(ctx: &Ctx, c: &ContainerId, dir: &str, id: &str) -> std::path::PathBuf {
    let d = ctx.fifo_base.join(dir);
    std::fs::create_dir_all(&d).expect("mkdir");
    let owner = Owner {
        pid: dead_pid(),
        start_time: 1,
        ..Owner::current(&exec_key(ctx, c, id))
    };
    std::fs::write(
        d.join("owner.json"),
        serde_json::to_vec(&owner).expect("json"),
    )
    .expect("write record");
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_record_kills_nothing_that_is_not_ours() {
    let ctx = common::ctx("forged").await;
    let c = ctx.sleeper("box").await;
    let outside = ctx.fifo_base.parent().expect("dir").join("ctr-forged");
    // A foreign exec without our prefix, named by a record in a directory of ours.
    ctr_exec(&ctx, &outside, "fgn");
    let plain = forge_record(&ctx, &c, "fgn", "fgn");
    // A foreign exec with our prefix, its FIFOs elsewhere: the record's directory matches
    // its id, but containerd says its FIFOs are not in it.
    ctr_exec(&ctx, &outside, "execmux-forged");
    let prefixed = forge_record(&ctx, &c, "execmux-forged", "execmux-forged");
    // A record in a directory whose name is not the exec it names.
    ctr_exec(&ctx, &outside, "execmux-other");
    let misnamed = forge_record(&ctx, &c, "execmux-misnamed", "execmux-other");
    // A symlink under the runtime dir to a directory elsewhere, with a record inside.
    let victim = ctx.fifo_base.parent().expect("dir").join("forged-victim");
    std::fs::create_dir_all(&victim).expect("mkdir");
    std::os::unix::fs::symlink(&victim, ctx.fifo_base.join("execmux-link")).expect("symlink");
    std::fs::write(victim.join("keep"), b"x").expect("write");

    for args in [&["execs"][..], &["execs", "--reap-unknown"]] {
        let out = ctx
            .execmux()
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("execs");
        let err = stderr_of(&out);
        assert!(!err.contains("reaped orphan"), "{args:?}: {err}");
        let mut left = ctx.exec_pids(&c).await;
        left.sort();
        assert_eq!(
            left,
            ["execmux-forged", "execmux-other", "fgn"],
            "{args:?}: no foreign exec was killed: {err}"
        );
    }
    for d in [&plain, &prefixed, &misnamed] {
        assert!(d.join("owner.json").exists(), "{} left alone", d.display());
    }
    assert!(victim.join("keep").exists(), "nothing followed the symlink");

    for id in ["fgn", "execmux-forged", "execmux-other"] {
        let st = ctx
            .ctr()
            .args(["task", "kill", "-s", "SIGKILL", "--exec-id", id, "box"])
            .status()
            .expect("ctr kill");
        assert!(st.success());
    }
    common::eventually(10, async || {
        ctx.exec_pids(&c).await.is_empty().then_some(())
    })
    .await
    .expect("the foreign execs ended");
    for d in [&plain, &prefixed, &misnamed, &outside, &victim] {
        let _ = std::fs::remove_dir_all(d);
    }
    let _ = std::fs::remove_file(ctx.fifo_base.join("execmux-link"));
    let made: Vec<ExecKey> = ["fgn", "execmux-forged", "execmux-other"]
        .iter()
        .map(|id| exec_key(&ctx, &c, id))
        .collect();
    for k in &made {
        let _ = ctx.rt.exec_delete(k).await;
    }
    ctx.assert_no_leaks(&made).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attach_holding_the_lock_wins_over_the_reaper() {
    use nix::fcntl::{Flock, FlockArg};
    let ctx = common::ctx("reap-lock").await;
    let c = ctx.sleeper("box").await;
    let gone = dead_pid();
    let key = running_with_owner(&ctx, &c, "execmux-locked", |o| Owner {
        pid: gone,
        start_time: 1,
        ..o
    })
    .await;
    let dir = ctx.fifo_base.join(key.exec.as_str());
    // What `attach` holds while it rewrites the record.
    let held = Flock::lock(
        std::fs::File::open(&dir).expect("open"),
        FlockArg::LockExclusive,
    )
    .expect("lock");
    let scope = Scope::One(ctx.ns.clone());
    let report = reaper::reap(&ctx.rt, &ctx.fifo_base, &scope)
        .await
        .expect("reap");
    let o = outcome_of(&report, &key);
    assert_eq!(o.outcome, Outcome::Busy, "{o}");
    assert!(o.to_string().contains("being attached"), "{o}");
    assert_eq!(ctx.exec_pids(&c).await, vec![key.exec.to_string()]);
    drop(held);
    let report = reaper::reap(&ctx.rt, &ctx.fifo_base, &scope)
        .await
        .expect("reap");
    let o = outcome_of(&report, &key);
    assert!(matches!(o.outcome, Outcome::Reaped { .. }), "{o}");
    ctx.assert_no_leaks(&[key]).await;
}
