//! The tab's terminal against tmux on real full-screen programs: each program runs once in a
//! zoomed execmux tab (the real console in a pty) and once in a tmux pane of the same size
//! (`ctr task exec -t`, same TERM), both get the same keys, and once both show a step's
//! marker their screens are compared row by row: text, cell styles and cursor.

mod common;

use common::side::{Marker, Pair};
use common::tmux::{Key, whole};

/// The container's init writes the files the programs open, then sleeps. vim's background
/// is set: left alone, vim asks the terminal for its background colour, which the tab
/// answers from its palette (black, so "dark") and a tmux without a client leaves
/// unanswered ("light"), and the two would then pick different colours.
const FILES: &str = "printf 'set nocompatible\\nset background=dark\\n' > /tmp/vimrc; awk 'BEGIN { for (i = 1; i <= 200; i++) \
    print (i == 3 ? \"line 3 wide 漢字テキスト café\" : \"line \" i) }' > /tmp/edit.txt; \
    awk 'BEGIN { for (i = 1; i <= 1000; i++) { s = sprintf(\"row %04d\\tcell\\tend\", i); \
    if (i % 37 == 0) for (j = 0; j < 14; j++) s = s \" wrap-\" j; \
    if (i % 41 == 0) s = s \" 漢字テキスト-\" i \" naïve\"; print s } }' > /tmp/long.txt; \
    exec sleep 100000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vim_edits_splits_numbers_and_pages_as_in_tmux() {
    let ctx = common::ctx("fid-vim").await;
    ctx.hostprog("box", FILES).await;
    let mut p = Pair::start(
        &ctx,
        "box",
        "vim",
        "xterm-256color",
        "/usr/bin/vim.tiny -u /tmp/vimrc -i NONE -n /tmp/edit.txt",
    );
    p.step("open", &[], Marker::Shows("200L"), whole, true);
    p.step(
        "insert",
        &[Key::Text("ihello fidelity")],
        Marker::Shows("hello fidelityline 1"),
        whole,
        true,
    );
    p.step(
        "escape",
        &[Key::Esc],
        Marker::Lacks("-- INSERT --"),
        whole,
        true,
    );
    p.step(
        "number",
        &[Key::Text(":set number ruler"), Key::Enter],
        Marker::Shows("  1 hello fidelity"),
        whole,
        true,
    );
    p.step(
        "move",
        &[Key::Text("5jww")],
        Marker::Shows("7,6"),
        whole,
        true,
    );
    p.step(
        "page",
        &[Key::Ctrl('f')],
        Marker::Lacks("  1 hello"),
        whole,
        true,
    );
    p.step(
        "split",
        &[Key::Text(":split"), Key::Enter],
        Marker::Shows("[+]"),
        whole,
        true,
    );
    p.step(
        "page in split",
        &[Key::Ctrl('f')],
        Marker::Shows("40,1"),
        whole,
        true,
    );
    p.step(
        "vsplit",
        &[Key::Text(":vsplit"), Key::Enter],
        Marker::Shows(":vsplit"),
        whole,
        true,
    );
    p.step(
        "delete",
        &[Key::Text("10dd")],
        Marker::Shows("fewer lines"),
        whole,
        true,
    );
    p.step(
        "scroll back",
        &[Key::Ctrl('y'), Key::Ctrl('y'), Key::Ctrl('y')],
        Marker::Shows("38 line 38"),
        whole,
        true,
    );
    p.step(
        "open line",
        &[Key::Text("Onew line above"), Key::Esc],
        Marker::Shows("new line above"),
        whole,
        true,
    );
    p.resize(34, 100);
    p.step("grown", &[], Marker::Wider(90), whole, true);
    p.step(
        "page when grown",
        &[Key::Ctrl('f')],
        Marker::Shows("49,1"),
        whole,
        true,
    );
    p.finish(&[Key::Text(":qa!"), Key::Enter], &ctx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn less_searches_and_jumps_as_in_tmux() {
    let ctx = common::ctx("fid-less").await;
    ctx.hostprog("box", FILES).await;
    let mut p = Pair::start(&ctx, "box", "less", "xterm", "/usr/bin/less /tmp/long.txt");
    p.step("open", &[], Marker::Shows("/tmp/long.txt"), whole, true);
    p.step(
        "search",
        &[Key::Text("/row 0150"), Key::Enter],
        Marker::Shows("row 0150"),
        whole,
        true,
    );
    p.step(
        "next page",
        &[Key::Text(" ")],
        Marker::Lacks("row 0150"),
        whole,
        true,
    );
    p.step(
        "end",
        &[Key::Text("G")],
        Marker::Shows("(END)"),
        whole,
        true,
    );
    p.step(
        "back",
        &[Key::Text("b")],
        Marker::Lacks("(END)"),
        whole,
        true,
    );
    p.step(
        "start",
        &[Key::Text("g")],
        Marker::Shows("row 0001"),
        whole,
        true,
    );
    p.step(
        "line down",
        &[Key::Text("jjj")],
        Marker::Lacks("row 0003"),
        whole,
        true,
    );
    p.resize(34, 100);
    p.step("grown", &[], Marker::Shows("row 0036"), whole, true);
    p.finish(&[Key::Text("q")], &ctx).await;
}

/// Labels that stay where they are whatever the numbers beside them.
fn labels(rows: &[String], words: &[&str]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            words
                .iter()
                .filter_map(|w| row.find(w).map(|at| format!("{at}:{w}")))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// htop's process list, Command column only (the tree's lines are drawn there).
fn htop_commands(rows: &[String]) -> Vec<String> {
    let Some((header, at)) = rows
        .iter()
        .enumerate()
        .find_map(|(i, r)| r.find("Command").map(|at| (i, at)))
    else {
        return Vec::new();
    };
    rows[header..]
        .iter()
        .map(|r| r.chars().skip(at).collect())
        .collect()
}

/// The last line of htop's help screen that fits in the tab.
const HTOP_HELP: &str = "F6 > .: select sort column";

/// htop's main screen without its numbers: header labels, the column titles, the
/// function-key bar.
fn htop_static(rows: &[String]) -> Vec<String> {
    let mut out = labels(
        rows,
        &["Mem[", "Swp[", "Tasks:", "Load average:", "Uptime:"],
    );
    for row in rows {
        if row.contains("PID USER") || row.contains("F1Help") {
            out.push(row.clone());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn htop_help_and_main_screen_as_in_tmux() {
    let ctx = common::ctx("fid-htop").await;
    ctx.hostprog("box", FILES).await;
    let mut p = Pair::start(&ctx, "box", "htop", "xterm-256color", "/usr/bin/htop");
    p.step("main", &[], Marker::Shows("F10Quit"), htop_static, false);
    p.step("help", &[Key::F(1)], Marker::Shows(HTOP_HELP), whole, true);
    p.step(
        "back",
        &[Key::Text("x")],
        Marker::Shows("F10Quit"),
        htop_static,
        false,
    );
    p.step(
        "help by h",
        &[Key::Text("h")],
        Marker::Shows(HTOP_HELP),
        whole,
        true,
    );
    p.step(
        "back again",
        &[Key::Esc],
        Marker::Shows("F10Quit"),
        htop_static,
        false,
    );
    p.step(
        "setup",
        &[Key::F(2)],
        Marker::Shows("Display options"),
        below_meters,
        false,
    );
    p.step(
        "setup option",
        &[
            Key::Right,
            Key::Down,
            Key::Down,
            Key::Down,
            Key::Down,
            Key::Down,
            Key::Down,
            Key::Text(" "),
        ],
        Marker::Shows("[x]    Shadow other users"),
        below_meters,
        false,
    );
    p.step(
        "setup done",
        &[Key::F(10)],
        Marker::Shows("F10Quit"),
        htop_static,
        false,
    );
    p.step(
        "tree",
        &[Key::F(5)],
        Marker::Shows("htop"),
        htop_commands,
        false,
    );
    p.step(
        "list",
        &[Key::F(5)],
        Marker::Shows("F10Quit"),
        htop_static,
        false,
    );
    p.resize(24, 80);
    p.step("shrunk", &[], Marker::Within(80), htop_static, false);
    p.finish(&[Key::F(10)], &ctx).await;
}

/// htop's setup screen without the meters above it.
fn below_meters(rows: &[String]) -> Vec<String> {
    rows.iter()
        .skip_while(|r| !r.contains("[Setup]"))
        .cloned()
        .collect()
}

/// busybox top without its numbers: the header labels and the column titles.
fn top_static(rows: &[String]) -> Vec<String> {
    let mut out = labels(rows, &["Mem:", "CPU:", "Load average:", "used,", "free,"]);
    for row in rows {
        if row.contains("PID  PPID") {
            out.push(row.clone());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busybox_top_header_as_in_tmux() {
    let ctx = common::ctx("fid-top").await;
    ctx.hostprog("box", FILES).await;
    let mut p = Pair::start(&ctx, "box", "top", "xterm", "top");
    p.step("header", &[], Marker::Shows("PID  PPID"), top_static, false);
    p.finish(&[Key::Text("q")], &ctx).await;
}
