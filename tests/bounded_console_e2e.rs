//! The real console in a pty, a tab whose shell writes hostile output for a long while:
//! combining marks after one character, an OSC that never ends, one endless line. The
//! console's resident memory, sampled after a warm-up and at the end, stays within a bound.

mod common;

use std::time::{Duration, Instant};

use common::pty::Pty;

/// Growth of the console's resident memory allowed over the measured part, whose output
/// would add tens of MiB to unbounded cells and parser buffers.
const RSS_BOUND_KIB: u64 = 8 * 1024;

/// The console's resident set, in KiB.
fn rss_kib(pty: &Pty) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pty.pid())).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Runs one round of the hostile streams, `bytes` each, in the tab's shell, and waits
/// until the console has parsed all of it (the marker after it is on the screen).
fn round(pty: &mut Pty, bytes: u64, round: u32) {
    let mark = "$(printf '\\314\\201')";
    let endless = |head: &str| format!("{head}yes {mark} | tr -d '\\n' | head -c {bytes}; ");
    // The marks come last, so that their cell is still on the screen when sampled.
    let cmd = format!(
        "printf '\\033]0;'; yes | tr -d '\\n' | head -c {bytes}; printf '\\007\\r\\n'; \
         yes | tr -d '\\n' | head -c {bytes}; echo; {}echo; echo round-$(({round}*1000+7))\r",
        endless("printf a; ")
    );
    pty.write(cmd.as_bytes());
    let done = format!("round-{}", round * 1000 + 7);
    // Bounded by the output's size, not by a rate: debug builds parse slowly.
    let deadline = Instant::now() + Duration::from_secs(300);
    while !pty.screen().contains(&done) {
        assert!(Instant::now() < deadline, "no {done:?}:\n{}", pty.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_output_keeps_the_console_memory_flat() {
    let ctx = common::ctx("bounded").await;
    ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 100);
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    pty.write(b"\r");
    pty.wait_screen("/ #");
    // Warm-up: every structure reaches its size (the ring fills, buffers grow once).
    round(&mut pty, 2 << 20, 1);
    let before = rss_kib(&pty);
    let mut after = before;
    for n in 2..=3 {
        round(&mut pty, 8 << 20, n);
        after = after.max(rss_kib(&pty));
    }
    let grown = after.saturating_sub(before);
    eprintln!("console VmRSS {before} KiB after the warm-up, at most {after} KiB after a round");
    assert!(
        grown < RSS_BOUND_KIB,
        "resident memory grew by {grown} KiB ({before} -> {after}) over 48 MiB of output"
    );
    pty.write(b"\x10\x11");
    pty.wait_screen("exec_detach");
    pty.write(b"q");
    pty.wait_screen("still run");
    pty.write(b"y");
    assert_eq!(pty.wait(), Some(0));
}
