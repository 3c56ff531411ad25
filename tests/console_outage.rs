//! containerd going away under open sessions (a test binary of its own: it stops and
//! restarts the shared daemon). A tab keeps its I/O through a clean stop and a crash, says
//! `reconnecting` and then `running`, follows a resize after the restart, and an exit during
//! the outage is recovered; `execmux exec` gets its exit code through one too; and a resize
//! that comes in the same instant as a key is not lost.

mod common;

use std::process::Stdio;

use common::Down;
use common::pty::Pty;
use execmux::domain::ExecKey;

/// The tests take the shared daemon away: one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_lives_through_containerd_restarts_and_its_exit_is_recovered() {
    let _one = ONE_AT_A_TIME.lock().await;
    let ctx = common::ctx("outage-tab").await;
    let c = ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    pty.write(b"\r");
    pty.wait_screen("/ #");
    let exec = common::eventually(10, async || ctx.exec_pids(&c).await.pop())
        .await
        .expect("the shell runs");
    common::daemon_down(Down::Stop, async || {
        pty.wait_screen("box: /bin/sh · running · reconnecting");
        // The shim holds the FIFOs: typing and output go on while containerd is away.
        pty.write(b"echo during-stop-$((6*7))\r");
        pty.wait_screen("during-stop-42");
    })
    .await;
    pty.wait_screen_without(" · reconnecting");
    pty.resize(40, 150);
    // One SIGWINCH: the console redraws at the new size and the exec gets it after the
    // debounce; ask until it shows.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        pty.write(b"clear; stty size | sed 's/^/SZ=/'\r");
        let shown =
            common::eventually(1, async || pty.screen().contains("SZ=36 ").then_some(())).await;
        if shown.is_some() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the resize never reached the exec:\n{}",
            pty.screen()
        );
    }
    assert!(
        pty.screen()
            .lines()
            .nth(39)
            .is_some_and(|l| !l.trim().is_empty()),
        "the console draws at 40 rows:\n{}",
        pty.screen()
    );
    common::daemon_down(Down::Crash, async || {
        pty.wait_screen("box: /bin/sh · running · reconnecting");
        pty.write(b"echo during-crash-$((6*7))\r");
        pty.wait_screen("during-crash-42");
        pty.write(b"exit 42\r");
    })
    .await;
    pty.wait_screen("exited 42");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    let key = ExecKey {
        namespace: ctx.ns.clone(),
        container: c.clone(),
        exec: exec.as_str().into(),
    };
    ctx.assert_no_leaks(&[key]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_gets_its_exit_code_through_an_outage() {
    let _one = ONE_AT_A_TIME.lock().await;
    let ctx = common::ctx("outage-exec").await;
    let c = ctx.sleeper("box").await;
    let mut child = ctx
        .execmux()
        .args([
            "exec",
            "-i",
            c.as_str(),
            "--",
            "sh",
            "-c",
            "read x; exit $x",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn execmux exec");
    // The exec's own host pid, as containerd lists it: the check below looks at that
    // process only, not at any process on the host with the same command line.
    let (pid, exec) = common::eventually(10, async || {
        let listed = ctx.rt.pids(&ctx.ns, &c).await.ok()?;
        listed.into_iter().find_map(|p| Some((p.pid, p.exec?)))
    })
    .await
    .expect("the exec runs");
    let mut stdin = child.stdin.take().expect("stdin");
    common::daemon_down(Down::Crash, async || {
        // The exit happens while containerd is away.
        std::io::Write::write_all(&mut stdin, b"42\n").expect("write");
        let state = common::eventually(10, async || match common::proc_state(pid) {
            None | Some('Z') => Some(()),
            Some(_) => None,
        })
        .await;
        assert!(
            state.is_some(),
            "the exec (pid {pid}) still runs 10 s after its input: {:?}",
            common::proc_state(pid)
        );
    })
    .await;
    drop(stdin);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("join")
        .expect("wait");
    assert_eq!(
        out.status.code(),
        Some(42),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = ExecKey {
        namespace: ctx.ns.clone(),
        container: c.clone(),
        exec: exec.as_str().into(),
    };
    ctx.assert_no_leaks(&[key]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resize_that_comes_with_keys_is_not_lost() {
    use nix::sys::signal::{Signal, kill};
    let _one = ONE_AT_A_TIME.lock().await;
    let ctx = common::ctx("outage-winch").await;
    ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 24, 120);
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    let console = pty.pid();
    let pid = console.as_raw().cast_unsigned();
    for rows in 25..=34 {
        // A key and a resize reach the console at the same instant: it is stopped while
        // both come, and sees them together when it goes on.
        kill(console, Signal::SIGSTOP).expect("SIGSTOP");
        common::eventually(5, async || {
            (common::proc_state(pid) == Some('T')).then_some(())
        })
        .await
        .expect("the console stops");
        pty.write(b"j");
        pty.resize(rows, 120);
        kill(console, Signal::SIGCONT).expect("SIGCONT");
        // Drawn at the new size: its last row has text.
        let last = usize::from(rows - 1);
        let drawn = common::eventually(5, async || {
            let screen = pty.screen();
            screen
                .lines()
                .nth(last)
                .is_some_and(|l| !l.trim().is_empty())
                .then_some(())
        })
        .await;
        assert!(
            drawn.is_some(),
            "the console did not redraw at {rows} rows:\n{}",
            pty.screen()
        );
    }
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    ctx.assert_no_leaks(&[]).await;
}
