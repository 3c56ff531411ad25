//! vttest in a zoomed tab against vttest in tmux at the same size: menu 1 (cursor
//! movements) and the scrolling, origin-mode and save/restore screens of menu 2.

mod common;

use common::side::{Marker, Pair};
use common::tmux::{Key, whole};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vttest_menu_1_as_in_tmux() {
    let ctx = common::ctx("vtt-m1").await;
    ctx.hostprog("box", "exec sleep 100000").await;
    let mut p = Pair::start(&ctx, "box", "vtt1", "xterm", "/usr/bin/vttest");
    p.step(
        "menu",
        &[],
        Marker::Shows("Enter choice number"),
        whole,
        true,
    );
    p.step(
        "border",
        &[Key::Text("1"), Key::Enter],
        Marker::Shows("middle  there should be"),
        whole,
        true,
    );
    for i in 0..5 {
        p.step(
            &format!("screen {i}"),
            &[Key::Enter],
            Marker::Shows("RETURN"),
            whole,
            true,
        );
    }
    p.finish(&[Key::Enter, Key::Text("0"), Key::Enter], &ctx)
        .await;
}
