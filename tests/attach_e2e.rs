//! Re-attach, end to end against a private containerd: an `execmux exec -it` detached in
//! one pty is taken over by the console in another (Enter in the execs pane) and closing
//! the tab kills and deletes it; `execmux attach` does the same on the command line (and
//! is refused while the owner still serves the exec); a foreign exec is refused clearly.

mod common;

use std::path::PathBuf;

use common::pty::Pty;
use execmux::domain::{ContainerId, ExecKey};
use execmux::runtime::owner::{FifoDir, Record};

const DETACH: &[u8] = b"\x10\x11";

/// Starts `execmux exec -it box -- /bin/sh` in a pty, types a marker, and leaves the pty
/// attached (the caller detaches it or not).
fn exec_shell(ctx: &common::Ctx) -> Pty {
    let mut cmd = ctx.execmux();
    cmd.args(["exec", "-it", "box", "--", "/bin/sh"]);
    let mut pty = Pty::spawn(cmd, 24, 80);
    pty.wait_for("# ");
    pty.write(b"echo before-$((1+1))\r");
    pty.wait_for("before-2");
    pty
}

/// The one exec running in `c`, with its FIFO directory.
async fn the_exec(ctx: &common::Ctx, c: &ContainerId) -> (ExecKey, PathBuf) {
    let execs = common::eventually(10, async || {
        let e = ctx.exec_pids(c).await;
        (e.len() == 1).then_some(e)
    })
    .await
    .expect("one exec runs");
    let key = ExecKey {
        namespace: ctx.ns.clone(),
        container: c.clone(),
        exec: execs[0].as_str().into(),
    };
    let dir = ctx.fifo_base.join(key.exec.as_str());
    assert!(dir.is_dir(), "its FIFO directory {}", dir.display());
    (key, dir)
}

/// Detaches the exec's pty and sees it leave with status 0 and the exec marked detached.
fn detach(pty: &mut Pty, dir: &std::path::Path) {
    pty.write(DETACH);
    assert_eq!(pty.wait(), Some(0));
    assert!(FifoDir::read(dir).detached, "marked detached");
}

fn owner_pid(dir: &std::path::Path) -> Option<u32> {
    match FifoDir::read(dir).record {
        Record::Found(o) => Some(o.pid),
        Record::Missing | Record::Unreadable(_) => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_takes_over_a_detached_exec_and_closing_kills_it() {
    let ctx = common::ctx("attach-console").await;
    let c = ctx.sleeper("box").await;
    let mut shell = exec_shell(&ctx);
    let (key, dir) = the_exec(&ctx, &c).await;
    detach(&mut shell, &dir);

    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    pty.wait_screen("Execs · box · 1");
    // Tab to the execs pane, Enter on the exec: a tab that takes it over, in terminal mode.
    pty.write(b"\t");
    pty.write(b"\r");
    pty.wait_screen("box: /bin/sh · running");
    pty.wait_screen("exec_attach");
    pty.write(b"echo attached-$((6*7))\r");
    pty.wait_screen("attached-42");
    // Ownership moved: the record names the console, the detached mark is gone.
    let console = pty.child.id();
    assert_eq!(owner_pid(&dir), Some(console));
    assert!(
        !FifoDir::read(&dir).detached,
        "the detached mark is cleared"
    );
    // The exec's terminal took the tab's size.
    pty.write(b"stty size\r");
    pty.wait_screen("26 86");
    // Leave terminal mode and close the tab: asks, kills, deletes, removes the FIFOs.
    pty.write(DETACH);
    pty.wait_screen_without("TERMINAL");
    pty.write(b"x");
    pty.wait_screen("still runs. Kill it");
    pty.write(b"y");
    pty.wait_screen("killed, 137");
    assert!(ctx.exec_pids(&c).await.is_empty(), "the exec was killed");
    let got = ctx.rt.process(&ctx.ns, &c, Some(&key.exec)).await;
    assert!(got.is_err_and(|e| e.is_not_found()), "and deleted");
    assert!(!dir.exists(), "its FIFO directory is gone");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    ctx.assert_no_leaks(&[key]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execmux_attach_refuses_a_served_exec_then_takes_a_detached_one_to_its_exit() {
    let ctx = common::ctx("attach-cli").await;
    let c = ctx.sleeper("box").await;
    let mut shell = exec_shell(&ctx);
    let (key, dir) = the_exec(&ctx, &c).await;
    // Its owner still serves it: refused, nothing changes.
    let out = ctx
        .execmux()
        .args(["attach", key.exec.as_str()])
        .output()
        .expect("run attach");
    let owner = shell.child.id();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert!(
        err.contains(&format!(
            "owned by execmux pid {owner}; detach it there first"
        )),
        "{err}"
    );
    assert_eq!(owner_pid(&dir), Some(owner));
    detach(&mut shell, &dir);

    // Handed over: `execmux attach ID` takes it, in raw mode, with this terminal's size.
    let mut cmd = ctx.execmux();
    cmd.args(["attach", key.exec.as_str()]);
    let mut pty = Pty::spawn(cmd, 30, 100);
    pty.wait_for("attached to exec");
    assert_eq!(owner_pid(&dir), Some(pty.child.id()));
    pty.write(b"stty size; echo cli-$((3+4))\r");
    pty.wait_for("cli-7");
    pty.wait_for("30 100");
    // Detach again, and take it once more, naming the container this time.
    pty.write(DETACH);
    assert_eq!(pty.wait(), Some(0));
    assert!(FifoDir::read(&dir).detached);
    let mut cmd = ctx.execmux();
    cmd.args(["attach", key.exec.as_str(), "box"]);
    let mut pty = Pty::spawn(cmd, 24, 80);
    pty.wait_for("attached to exec");
    pty.write(b"exit 7\r");
    // The exec's exit code is the exit status; it is deleted and its FIFOs removed.
    assert_eq!(pty.wait(), Some(7));
    assert!(!dir.exists(), "its FIFO directory is gone");
    ctx.assert_no_leaks(&[key]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_exec_cannot_be_attached_and_is_left_alone() {
    let ctx = common::ctx("attach-foreign").await;
    let c = ctx.sleeper("box").await;
    // ctr's own execs, one even with our id prefix: their FIFOs are ctr's.
    let mut made = Vec::new();
    let mut ctrs = Vec::new();
    for id in ["ctr-foreign", "execmux-fromctr"] {
        let child = ctx
            .ctr()
            .args(["task", "exec", "--exec-id", id, "box", "/bin/sleep", "300"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("ctr exec");
        ctrs.push(child);
        made.push(ExecKey {
            namespace: ctx.ns.clone(),
            container: c.clone(),
            exec: id.into(),
        });
    }
    common::eventually(10, async || {
        (ctx.exec_pids(&c).await.len() == 2).then_some(())
    })
    .await
    .expect("both ctr execs run");
    for key in &made {
        let out = ctx
            .execmux()
            .args(["attach", key.exec.as_str(), "box"])
            .output()
            .expect("run attach");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{err}");
        assert!(
            err.contains("which is not execmux")
                && err.contains("cannot be read without stealing it from its owner"),
            "{err}"
        );
    }
    // The console says so too, and opens no tab.
    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    pty.wait_screen("connected");
    pty.wait_screen("Execs · box · 2");
    pty.write(b"\t");
    pty.write(b"\r");
    pty.wait_screen("cannot be read without stealing it");
    assert!(!pty.screen().contains("TERMINAL"), "no tab opened");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    assert_eq!(ctx.exec_pids(&c).await.len(), 2, "both still run");
    for key in &made {
        execmux::ending::reap(&ctx.rt, key, || {})
            .await
            .expect("reap the ctr exec");
    }
    for mut child in ctrs {
        let _ = child.kill();
        let _ = child.wait();
    }
    ctx.assert_no_leaks(&made).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execmux_attach_shows_the_prompt_before_anything_is_typed() {
    let ctx = common::ctx("attach-prompt").await;
    let c = ctx.sleeper("box").await;
    let mut shell = exec_shell(&ctx);
    // A prompt of its own, so that what the shell prints later is told apart.
    shell.write(b"PS1='wait''ing> '\r");
    shell.wait_for("waiting> ");
    let (key, dir) = the_exec(&ctx, &c).await;
    detach(&mut shell, &dir);

    // The same size as before: a resize to it alone would not tell the shell anything.
    let mut cmd = ctx.execmux();
    cmd.args(["attach", key.exec.as_str()]);
    let mut pty = Pty::spawn(cmd, 24, 80);
    pty.wait_for("attached to exec");
    // Nothing typed: the shell redraws its prompt because it was told of a size change.
    pty.wait_for("waiting> ");
    pty.write(b"exit 3\r");
    assert_eq!(pty.wait(), Some(3));
    ctx.assert_no_leaks(&[key]).await;
}
