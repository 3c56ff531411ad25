//! Search, copy and transcripts in the real console in a pty against a private containerd:
//! a search finds a line that scrolled off about 10k rows ago and shows it; a yank
//! writes exactly one OSC 52 holding the selected text; a tab's transcript and one of
//! `execmux exec --transcript` hold the output and the exit code.

mod common;

use std::os::unix::fs::PermissionsExt as _;

use base64::Engine as _;
use common::pty::Pty;

const CTRL_P: &[u8] = b"\x10";

/// The console in a 40x140 pty with a shell tab open on `box`.
fn shell_tab(ctx: &common::Ctx) -> Pty {
    let mut cmd = ctx.execmux();
    cmd.env("TERM", "xterm");
    let mut pty = Pty::spawn(cmd, 40, 140);
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    pty.write(b"\r");
    pty.wait_screen("/ #");
    pty
}

/// Searches the tab for `re` (the detach prefix, then `/`) and waits for its one match.
fn search_one(pty: &mut Pty, re: &str) -> String {
    pty.write(CTRL_P);
    pty.write(b"/");
    pty.wait_screen("search (regex):");
    pty.write(format!("{re}\r").as_bytes());
    pty.wait_screen(&format!("match 1/1 for /{re}/"))
}

/// Lines `ns` are rows of the tab's screen.
fn shows_lines(screen: &str, ns: &[&str]) {
    let rows: Vec<&str> = screen.lines().collect();
    for n in ns {
        assert!(
            rows.iter().any(|r| r.contains(&format!("│{n} "))),
            "line {n} is on the screen:\n{screen}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_far_back_yank_once_and_write_a_transcript() {
    let ctx = common::ctx("scroll").await;
    ctx.sleeper("box").await;
    let mut pty = shell_tab(&ctx);
    // The ring keeps 10k rows by default: line 1970 is among the oldest it holds, about
    // 10k rows above the screen once 12000 lines are out.
    pty.write(b"seq 1 12000\r");
    pty.wait_screen("11999");
    let screen = search_one(&mut pty, "^1970$");
    assert!(
        screen.contains("scrolled back 99"),
        "about 10k rows back:\n{screen}"
    );
    shows_lines(&screen, &["1970", "1971", "1972"]);
    assert!(
        !screen.contains("11999"),
        "the view left the bottom:\n{screen}"
    );
    // The cursor stands on the match: select its four characters and yank them.
    pty.write(b"v");
    pty.write(b"lll");
    pty.wait_screen("y copy");
    pty.write(b"y");
    pty.wait_screen("copied 4 characters");
    let out = pty.text();
    assert_eq!(out.matches("\x1b]52;").count(), 1, "exactly one OSC 52");
    let start = out.find("\x1b]52;c;").expect("osc 52") + "\x1b]52;c;".len();
    let end = start + out[start..].find('\x07').expect("its end");
    let copied = base64::engine::general_purpose::STANDARD
        .decode(&out[start..end])
        .expect("base64");
    assert_eq!(copied, b"1970");
    // Back in the tab: end it with a code, then write its transcript.
    pty.wait_screen("TERMINAL");
    pty.write(b"echo tr-marker; exit 3\r");
    pty.wait_screen("exited 3");
    pty.write(b"t");
    pty.wait_screen("transcript saved to");
    let dir = ctx.state_dir.join("execmux/transcripts");
    let file = std::fs::read_dir(&dir)
        .expect("transcripts directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("transcript-box-execmux-"))
        })
        .expect("the tab's transcript");
    let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(&file).expect("read");
    for want in [
        "# container: box\n",
        "# tty: true\n",
        "# exit code: 3\n",
        "\n1970\n",
        "\n12000\n",
        "tr-marker\n",
    ] {
        assert!(text.contains(want), "{want:?} in the transcript");
    }
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    assert_eq!(pty.text().matches("\x1b]52;").count(), 1, "and no other");
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_scrollback_is_searched_and_shown() {
    // A shell's first rows (its banner's blank lines) leave the screen before any text
    // does; the lines after them must be in the scrollback, not blanks.
    let ctx = common::ctx("scroll-short").await;
    ctx.sleeper("box").await;
    let mut pty = shell_tab(&ctx);
    pty.write(b"printf '\\n\\n\\n'; seq 1 200\r");
    pty.wait_screen("199");
    let screen = search_one(&mut pty, "^20$");
    shows_lines(&screen, &["20", "21", "22"]);
    pty.write(b"\x1b");
    pty.wait_screen("TERMINAL");
    pty.write(CTRL_P);
    pty.write(b"\x11");
    pty.wait_screen_without("TERMINAL");
    pty.write(b"q");
    pty.wait_screen("1 exec(s) still run");
    pty.write(b"y");
    assert_eq!(pty.wait(), Some(0));
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_transcript_holds_the_output_and_the_exit_code() {
    let ctx = common::ctx("scroll-cli").await;
    ctx.sleeper("box").await;
    let path = ctx
        .state_dir
        .join(format!("cli-{}.txt", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let run = || {
        ctx.execmux()
            .arg("exec")
            .arg("--transcript")
            .arg(&path)
            .args([
                "box",
                "--",
                "sh",
                "-c",
                "echo out-line; echo err-line >&2; exit 5",
            ])
            .output()
            .expect("run execmux exec")
    };
    let first = run();
    assert_eq!(first.status.code(), Some(5), "{first:?}");
    assert_eq!(String::from_utf8_lossy(&first.stdout), "out-line\n");
    let text = std::fs::read_to_string(&path).expect("transcript");
    for want in [
        "# execmux transcript\n",
        "# container: box\n",
        "# command: sh -c 'echo out-line; echo err-line >&2; exit 5'\n",
        "# tty: false\n",
        "out-line\n",
        "err-line\n",
        "# exit code: 5\n",
    ] {
        assert!(text.contains(want), "{want:?} in:\n{text}");
    }
    assert!(text.find("out-line") < text.find("# exit code"));
    let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // An existing file is never overwritten: refused before anything runs.
    let second = run();
    assert_eq!(second.status.code(), Some(125), "{second:?}");
    assert_eq!(std::fs::read_to_string(&path).expect("transcript"), text);
    std::fs::remove_file(&path).expect("clean up");
    ctx.leak_check().await;
}
