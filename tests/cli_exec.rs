//! `execmux exec` end to end against a private containerd: exit codes, streams, stdin,
//! env/user/cwd, failures and cleanup.

mod common;

use std::io::Write;
use std::process::{Output, Stdio};

fn run(cmd: &mut std::process::Command, stdin: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn execmux");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("wait execmux")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_and_streams() {
    let ctx = common::ctx("exit-codes").await;
    ctx.sleeper("box").await;
    for (script, code) in [("exit 0", 0), ("exit 3", 3), ("kill -9 $$", 137)] {
        let out = run(
            ctx.execmux()
                .args(["exec", "box", "--", "/bin/sh", "-c", script]),
            b"",
        );
        assert_eq!(
            out.status.code(),
            Some(code),
            "{script}: {}",
            text(&out.stderr)
        );
    }
    let out = run(
        ctx.execmux().args([
            "exec",
            "box",
            "--",
            "/bin/sh",
            "-c",
            "echo out; echo err >&2",
        ]),
        b"",
    );
    assert_eq!(
        (text(&out.stdout), text(&out.stderr)),
        ("out\n".into(), "err\n".into())
    );
    ctx.leak_check().await;
}
