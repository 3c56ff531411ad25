//! What `execmux ps` and `execmux execs` print of the bytes a container controls (a label,
//! a command line read from `/proc`): no control character, C1 or DEL reaches stdout raw,
//! in the tables and in `--json` alike, and the JSON still says the value.

mod common;

use std::process::{Command, Output, Stdio};

use execmux::sandbox::ContainerDef;

/// An OSC that retitles the terminal, a C1 CSI, DEL and a bidi override.
const HOSTILE: &str = "x\u{1b}]2;pwned\u{7}\u{9b}31m\u{7f}\u{202e}y";

fn output(cmd: &mut Command) -> Output {
    let out = cmd.stdin(Stdio::null()).output().expect("run");
    assert!(out.status.success(), "{out:?}");
    out
}

/// The bytes of `out` hold no C0 control but newline, no DEL, no C1, no bidi override.
fn assert_clean(out: &[u8], what: &str) {
    let text = std::str::from_utf8(out).expect("utf-8");
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| (c.is_control() && c != '\n') || matches!(c, '\u{202a}'..='\u{202e}'))
        .collect();
    assert!(bad.is_empty(), "{what} printed {bad:?} raw:\n{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ps_cleans_a_hostile_label_in_text_and_json() {
    let ctx = common::ctx("outps").await;
    let mut def = ContainerDef::sleeper();
    def.labels.push(("nerdctl/name".into(), HOSTILE.into()));
    ctx.container("c1", def).await;

    let table = output(ctx.execmux().arg("ps"));
    assert_clean(&table.stdout, "ps");
    let shown = String::from_utf8_lossy(&table.stdout);
    assert!(
        shown.contains(r"x\x1b]2;pwned\x07\u{9b}31m\x7f\u{202e}y"),
        "the label is shown escaped: {shown}"
    );

    let json = output(ctx.execmux().args(["ps", "--json"]));
    assert_clean(&json.stdout, "ps --json");
    let row: serde_json::Value = serde_json::from_slice(&json.stdout).expect("one JSON line");
    assert_eq!(
        row["labels"]["nerdctl/name"], HOSTILE,
        "JSON keeps the value"
    );
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execs_cleans_a_hostile_command_line_in_text_and_json() {
    let ctx = common::ctx("outexecs").await;
    ctx.sleeper("box").await;
    let fifo = ctx.fifo_base.join("ctr");
    // A foreign exec whose command line (read from /proc) carries the escapes.
    let st = ctx
        .ctr()
        .args(["task", "exec", "-d", "--exec-id", "hostile", "--fifo-dir"])
        .arg(&fifo)
        .args(["box", "/bin/sh", "-c", "sleep 100; true", HOSTILE])
        .status()
        .expect("ctr");
    assert!(st.success());

    let table = output(ctx.execmux().arg("execs"));
    assert_clean(&table.stdout, "execs");
    let shown = String::from_utf8_lossy(&table.stdout);
    assert!(
        shown.contains(r"sleep 100; true x\x1b]2;pwned\x07"),
        "the command is shown escaped: {shown}"
    );

    let json = output(ctx.execmux().args(["execs", "--json"]));
    assert_clean(&json.stdout, "execs --json");
    let row: serde_json::Value = String::from_utf8_lossy(&json.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON line"))
        .find(|v| v["exec"] == "hostile")
        .expect("the exec is listed");
    assert_eq!(
        row["command"],
        serde_json::json!(["/bin/sh", "-c", "sleep 100; true", HOSTILE])
    );

    let _ = ctx
        .ctr()
        .args([
            "task",
            "kill",
            "-s",
            "SIGKILL",
            "--exec-id",
            "hostile",
            "box",
        ])
        .status();
    common::eventually(10, async || {
        ctx.exec_pids(&execmux::domain::ContainerId::from("box"))
            .await
            .is_empty()
            .then_some(())
    })
    .await
    .expect("the exec ends");
    let _ = ctx
        .ctr()
        .args(["task", "delete", "--exec-id", "hostile", "box"])
        .output();
    let _ = std::fs::remove_dir_all(&fifo);
    ctx.leak_check().await;
}
