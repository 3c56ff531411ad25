//! Hostile output fed into one emulator for a long while, its live heap counted by this
//! binary's allocator: after a warm-up the heap stays flat, whatever the stream repeats
//! (combining marks on one cell, an OSC that never ends, one endless line, a hyperlink per
//! character, title pushes, a screen of cells full of marks scrolling).

use std::alloc::System;

use execmux::session::emulator::Emulator;
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Live heap bytes of the whole binary (the counters already include reallocations).
fn live() -> isize {
    let s = ALLOCATOR.stats();
    let signed = |n: usize| isize::try_from(n).unwrap_or(isize::MAX);
    signed(s.bytes_allocated) - signed(s.bytes_deallocated)
}

/// Growth allowed between the end of the warm-up and the end of the stream.
const SLACK: isize = 64 * 1024;

/// Feeds `head`, then `body` until `warm` bytes went in, measures, feeds `body` for
/// `more` bytes, and returns the live heap's growth over the second part. The body is
/// fed in 16 KiB slices, as a tab's task does.
fn growth(emu: &mut Emulator, head: &[u8], body: &[u8], warm: usize, more: usize) -> isize {
    let mut chunk = Vec::with_capacity(16 * 1024 + body.len());
    while chunk.len() < 16 * 1024 {
        chunk.extend_from_slice(body);
    }
    emu.feed(head);
    let mut fed = 0;
    while fed < warm {
        emu.feed(&chunk);
        fed += chunk.len();
    }
    let before = live();
    let mut fed = 0;
    while fed < more {
        emu.feed(&chunk);
        fed += chunk.len();
        let _ = emu.take_replies();
    }
    live() - before
}

/// One test at a time: the counter is the whole binary's.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Feeds a 24 x 80 emulator keeping `ring` rows as [`growth`] does, and checks it.
fn check(name: &str, ring: usize, head: &[u8], body: &[u8], warm: usize, more: usize) {
    let _one = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut emu = Emulator::new(24, 80, ring);
    let grown = growth(&mut emu, head, body, warm, more);
    assert!(
        grown < SLACK,
        "{name}: the live heap grew by {grown} bytes over {more} more bytes of output"
    );
}

#[test]
fn combining_marks_on_one_cell_do_not_grow_the_heap() {
    check(
        "marks",
        1000,
        b"a",
        "\u{301}\u{20d7}".as_bytes(),
        64 * 1024,
        4 << 20,
    );
}

#[test]
fn an_osc_that_never_ends_does_not_grow_the_heap() {
    check("osc", 1000, b"\x1b]0;", b"title", 64 * 1024, 8 << 20);
    // Nor a DCS or an APC string.
    check("dcs", 1000, b"\x1bPq", b"#0;2;0;0;0~", 64 * 1024, 4 << 20);
    check("apc", 1000, b"\x1b_G", b"AAAA", 64 * 1024, 4 << 20);
}

#[test]
fn one_endless_line_stays_within_the_ring() {
    // The ring holds 1000 rows of 80 columns: 80 KB of text, full after the warm-up.
    check("line", 1000, b"", b"0123456789abcdef", 1 << 20, 8 << 20);
}

#[test]
fn a_hyperlink_per_character_does_not_grow_the_heap() {
    let mut body = Vec::new();
    for i in 0..64 {
        body.extend_from_slice(
            format!("\x1b]8;id=l{i};https://example.invalid/{i}\x1b\\x\x1b]8;;\x1b\\").as_bytes(),
        );
    }
    check("hyperlinks", 1000, b"", &body, 1 << 20, 4 << 20);
}

#[test]
fn title_pushes_do_not_grow_the_heap() {
    let title = format!("\x1b]2;{}\x07\x1b[22;0t", "T".repeat(3000));
    check("titles", 1000, b"", title.as_bytes(), 64 * 1024, 4 << 20);
}

#[test]
fn scrolling_cells_full_of_marks_stay_within_the_ring() {
    // Every cell carries more marks than it keeps, and the rows scroll into the ring.
    let cell = format!("e{}", "\u{301}".repeat(12));
    check("marked rows", 200, b"", cell.as_bytes(), 4 << 20, 8 << 20);
}
