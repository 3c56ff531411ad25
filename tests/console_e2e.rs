//! The real console in a pty against a private containerd, its screen read through a vt100
//! emulator, driven with keys: open a shell, type and see the echo, resize and zoom and see
//! `stty size` follow, detach and see the exec still running, close the tab and see the exec
//! gone, quit and see the terminal restored.

mod common;

use common::pty::Pty;

const CTRL_P: &[u8] = b"\x10";
const CTRL_Q: &[u8] = b"\x11";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shell_tab_echo_resize_detach_close_and_quit() {
    let ctx = common::ctx("console").await;
    let c = ctx.sleeper("box").await;
    let mut cmd = ctx.execmux();
    cmd.env("TERM", "xterm");
    let mut pty = Pty::spawn(cmd, 30, 100);
    let before = pty.initial_attrs();
    pty.wait_screen("Containers · t-console · 1");
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    // Enter on the container opens its shell in a focused tab.
    pty.write(b"\r");
    pty.wait_screen("box: /bin/sh · running");
    pty.wait_screen("/ #");
    pty.write(b"echo hi-$((6*7))\r");
    pty.wait_screen("hi-42");
    // 100x30: the tab's inner area is 65 columns by 26 rows.
    pty.write(b"stty size\r");
    pty.wait_screen("26 65");
    pty.resize(40, 140);
    std::thread::sleep(std::time::Duration::from_millis(300));
    pty.write(b"clear; stty size\r");
    pty.wait_screen("36 86");
    // Zoomed (the detach prefix, then z), the tab has all but the tab bar's line.
    pty.write(CTRL_P);
    pty.write(b"z");
    pty.wait_screen("ctrl-p z unzoom");
    wait_stty(&mut pty, "39 140");
    pty.write(CTRL_P);
    pty.write(b"z");
    pty.wait_screen("Containers ·");
    wait_stty(&mut pty, "36 86");
    // Detach: back to navigation, the exec keeps running.
    pty.write(CTRL_P);
    pty.write(CTRL_Q);
    pty.wait_screen("exec_detach");
    let execs = ctx.exec_pids(&c).await;
    assert_eq!(execs.len(), 1, "the exec still runs after detaching");
    assert!(execs[0].starts_with("execmux-"));
    // Close the tab: asks, kills, shows the outcome; the exec is gone from the task.
    pty.write(b"x");
    pty.wait_screen("still runs. Kill it");
    pty.write(b"y");
    pty.wait_screen("killed, 137");
    assert!(ctx.exec_pids(&c).await.is_empty(), "the exec was killed");
    let key = execmux::domain::ExecKey {
        namespace: ctx.ns.clone(),
        container: c.clone(),
        exec: execs[0].as_str().into(),
    };
    assert!(
        ctx.rt
            .process(&ctx.ns, &c, Some(&key.exec))
            .await
            .is_err_and(|e| e.is_not_found()),
        "and deleted"
    );
    // Quit: the terminal is given back as it was.
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    let after = pty.attrs();
    assert_eq!(
        (after.local_modes, after.input_modes, after.output_modes),
        (before.local_modes, before.input_modes, before.output_modes)
    );
    let out = pty.text();
    let entered = out.find("\x1b[?1049h").expect("alternate screen entered");
    let left = out.rfind("\x1b[?1049l").expect("alternate screen left");
    assert!(left > entered);
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_with_running_execs_kills_them_all() {
    let ctx = common::ctx("console-quit").await;
    let c = ctx.sleeper("box").await;
    // Wide enough for the pane title with this namespace's long name.
    let mut pty = Pty::spawn(ctx.execmux(), 30, 120);
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    for n in 1..=2 {
        pty.write(b"\r");
        pty.wait_screen(&format!("{n}:● box: /bin/sh"));
        pty.wait_screen("TERMINAL");
        pty.write(CTRL_P);
        pty.write(CTRL_Q);
        pty.wait_screen_without("TERMINAL");
    }
    common::eventually(10, async || {
        (ctx.exec_pids(&c).await.len() == 2).then_some(())
    })
    .await
    .expect("two execs");
    pty.write(b"q");
    pty.wait_screen("2 exec(s) still run");
    pty.write(b"y");
    assert_eq!(pty.wait(), Some(0));
    assert!(ctx.exec_pids(&c).await.is_empty());
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_that_cannot_start_shows_its_code_in_the_tab() {
    let ctx = common::ctx("console-fail").await;
    ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 120);
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    pty.write(b"e");
    pty.wait_screen("New exec in t-console-fail/box");
    pty.write(b"/nonexistent\r");
    pty.wait_screen("failed to start (127)");
    pty.wait_screen("no such file or directory");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_an_exec_prints_reaches_the_host_terminal_raw() {
    let ctx = common::ctx("console-inject").await;
    ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 120);
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    pty.write(b"\r");
    pty.wait_screen("TERMINAL");
    pty.wait_screen("/ #");
    // A title, a clipboard write and read, a DCS passthrough, queries, a bidi override.
    let evil = concat!(
        r"printf '\033]0;pwned-title\007\033]2;pwned2\033\\\033]52;c;cHduZWQ=\007\033]52;c;?\007",
        r"\033Ptmux;\033\033]0;pwned-dcs\007\033\\\033[6n\033[21t\033[8;5;5t\342\200\256evil-done\n'",
        "\r"
    );
    pty.write(evil.as_bytes());
    pty.wait_screen("evil-done");
    let out = pty.text();
    // The typed command line itself shows the words on screen, as text; no sequence passes.
    for bad in [
        "\x1b]0;",
        "\x1b]2;",
        "\x1b]52",
        "\x1bP",
        "\x1b[8;5;5t",
        "\u{202e}",
    ] {
        assert!(!out.contains(bad), "{bad:?} reached the host terminal");
    }
    pty.write(b"exit\r");
    pty.wait_screen("exited 0");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    ctx.leak_check().await;
}

/// Asks the tab's shell for its size until it says `want` (the resize is debounced): 20 s
/// at most.
fn wait_stty(pty: &mut Pty, want: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        pty.write(b"clear; stty size\r");
        let asked = std::time::Instant::now();
        while asked.elapsed() < std::time::Duration::from_millis(500) {
            if pty.screen().lines().any(|l| l.contains(want)) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(
            std::time::Instant::now() < deadline,
            "stty size never said {want}:\n{}",
            pty.screen()
        );
    }
}
