//! The split view in the real console, in a 140x40 pty against a private containerd: two
//! shell tabs side by side, then stacked, each pane's shell says its own `stty size` (not a
//! single tab's), the focus moves between panes with the detach prefix and an arrow, and
//! back to one tab the size is a single tab's again.

mod common;

use std::time::{Duration, Instant};

use common::pty::Pty;

const CTRL_P: &[u8] = b"\x10";
const CTRL_Q: &[u8] = b"\x11";
/// A cursor key as the terminal sends it.
const LEFT: &[u8] = b"\x1b[D";
const DOWN: &[u8] = b"\x1b[B";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_panes_side_by_side_and_stacked_each_have_their_own_size() {
    let ctx = common::ctx("split").await;
    let c = ctx.sleeper("box").await;
    let mut cmd = ctx.execmux();
    cmd.env("TERM", "xterm");
    let mut pty = Pty::spawn(cmd, 40, 140);
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    // Two shells; at 140x40 a single tab is 86 columns by 36 rows.
    pty.write(b"\r");
    pty.wait_screen("1:● box: /bin/sh");
    ask(&mut pty, "A", "36 86");
    pty.write(CTRL_P);
    pty.write(CTRL_Q);
    pty.wait_screen_without("TERMINAL");
    pty.write(b"\r");
    pty.wait_screen("2:● box: /bin/sh");
    pty.wait_screen("TERMINAL");
    ask(&mut pty, "B", "36 86");
    // Side by side (the prefix, then |): both tabs in view, 42 columns each.
    pty.write(CTRL_P);
    pty.write(b"|");
    let right = ask(&mut pty, "R", "36 42");
    pty.write(CTRL_P);
    pty.write(LEFT);
    let left = ask(&mut pty, "L", "36 42");
    let screen = pty.screen();
    let at = |s: &str, needle: &str| {
        s.lines()
            .find_map(|l| l.find(needle).map(|b| l[..b].chars().count()))
            .unwrap_or_else(|| panic!("no {needle:?} on the screen:\n{s}"))
    };
    // The panes of the tabs' area (columns 52..140) split at column 96.
    assert!(
        (53..96).contains(&at(&screen, &left)),
        "left pane:\n{screen}"
    );
    assert!(at(&screen, &right) >= 97, "right pane:\n{screen}");
    // Stacked: full width, half the height each; the focus moves down with the prefix.
    pty.write(CTRL_P);
    pty.write(b"|");
    let top = ask(&mut pty, "T", "17 86");
    pty.write(CTRL_P);
    pty.write(DOWN);
    let bottom = ask(&mut pty, "U", "17 86");
    let screen = pty.screen();
    let row = |needle: &str| {
        screen
            .lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no {needle:?} on the screen:\n{screen}"))
    };
    assert!(row(&top) < 20 && row(&bottom) >= 21, "{screen}");
    // With two tabs the next arrangement is one tab again: a single tab's size.
    pty.write(CTRL_P);
    pty.write(b"|");
    ask(&mut pty, "S", "36 86");
    assert_eq!(ctx.exec_pids(&c).await.len(), 2, "both shells still run");
    pty.write(CTRL_P);
    pty.write(CTRL_Q);
    pty.wait_screen_without("TERMINAL");
    pty.write(b"q");
    pty.wait_screen("2 exec(s) still run");
    pty.write(b"y");
    assert_eq!(pty.wait(), Some(0));
    ctx.leak_check().await;
}

/// Asks the focused shell for its size, marked with `tag`, until it says `want` (resizes
/// are debounced): 20 s at most. Returns what it printed.
fn ask(pty: &mut Pty, tag: &str, want: &str) -> String {
    let said = format!("{tag}{want}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        pty.write(format!("clear; echo {tag}$(stty size)\r").as_bytes());
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_millis(500) {
            if pty.screen().contains(&said) {
                return said;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            Instant::now() < deadline,
            "the shell never said {said}:\n{}",
            pty.screen()
        );
    }
}
