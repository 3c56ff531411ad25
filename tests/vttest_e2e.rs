//! vttest 2.7 in a zoomed tab of 24 x 80 (the VT100's screen) beside vttest in tmux at the
//! same size: menu 1 (cursor movements) and menu 2 (screen features: wrap, tabs, column
//! modes, soft and jump scroll in a region, origin mode, renditions, save/restore).
//!
//! Where tmux and the VT100 part ways, the tab is held to what vttest's screen says it
//! must show (its own text) and the step does not compare: in the autowrap screen tmux
//! drops right-margin letters that the test asks to see in order, and in the 132-column
//! screens (on a terminal that stays at 80 columns, as both do) tmux puts CUB after a
//! write in the last column back on that column, where the VT100 and xterm move left of it.

mod common;

use common::side::{Marker, Pair, Tab};
use common::tmux::{Key, whole};

/// Compares nothing: the step only waits for its marker.
fn nothing(_: &[String]) -> Vec<String> {
    Vec::new()
}

/// Waits until neither side's screen has changed for a second (20 s at most).
fn settle(p: &Pair) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut last = (p.tab.screen().rows, p.tmux.screen(p.tab.rows, p.tab.cols));
    let mut since = std::time::Instant::now();
    while since.elapsed() < std::time::Duration::from_secs(1) {
        assert!(
            std::time::Instant::now() < deadline,
            "the screens never settled"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
        let now = (p.tab.screen().rows, p.tmux.screen(p.tab.rows, p.tab.cols));
        if now != last {
            last = now;
            since = std::time::Instant::now();
        }
    }
}

/// Rows with the glyphs of the DEC special graphics set given back as the codes that
/// select them (`q` for a horizontal line, `` ` `` for a diamond, ...).
fn dec_codes(rows: &[String]) -> Vec<String> {
    const SET: [(char, char); 12] = [
        ('◆', '`'),
        ('▒', 'a'),
        ('┘', 'j'),
        ('┐', 'k'),
        ('┌', 'l'),
        ('└', 'm'),
        ('┼', 'n'),
        ('─', 'q'),
        ('├', 't'),
        ('┤', 'u'),
        ('┴', 'v'),
        ('┬', 'w'),
    ];
    rows.iter()
        .map(|r| {
            r.chars()
                .map(|c| {
                    SET.iter()
                        .find(|(g, _)| *g == c)
                        .map_or(c, |(_, code)| *code)
                })
                .collect()
        })
        .collect()
}

fn start(ctx: &common::Ctx, name: &'static str) -> Pair {
    // A console of 25 x 80: its zoomed tab is 24 x 80.
    let tab = Tab::open_at(ctx, 25, 80);
    let mut p = Pair::start_at(ctx, "box", name, "xterm", "/usr/bin/vttest", tab);
    p.step(
        "menu",
        &[],
        Marker::Shows("Enter choice number"),
        whole,
        true,
    );
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vttest_cursor_movements_in_a_tab() {
    let ctx = common::ctx("vtt-m1").await;
    ctx.hostprog("box", "exec sleep 100000").await;
    let mut p = start(&ctx, "vtt1");
    p.step(
        "border",
        &[Key::Text("1"), Key::Enter],
        Marker::Shows("middle  there should be"),
        whole,
        true,
    );
    let border: Vec<String> = p.tab.screen().rows;
    let want = include_str!("fixtures/vttest/menu1-border.txt");
    let want: Vec<&str> = want.lines().map(str::trim_end).collect();
    assert_eq!(border, want, "the 80-column border screen");
    // The same frame drawn for 132 columns on a screen of 80: same text, nothing to wait
    // for; the autowrap screen's marker below is what the next step waits on.
    p.step(
        "border 132",
        &[Key::Enter],
        Marker::Shows("RETURN"),
        nothing,
        false,
    );
    p.step(
        "autowrap",
        &[Key::Enter],
        Marker::Shows("Test of autowrap"),
        nothing,
        false,
    );
    // "The left/right margins should have letters in order": the 26 letters went through
    // the region, I..Z remain, each with its lowercase in column 80.
    let rows = p.tab.screen().rows;
    for (i, letter) in ('I'..='Z').enumerate() {
        let want = format!("{letter}{}{}", " ".repeat(78), letter.to_ascii_lowercase());
        assert_eq!(
            rows[2 + i],
            want,
            "autowrap row {}:\n{}",
            3 + i,
            rows.join("\n")
        );
    }
    assert!(rows[21].starts_with("Push <RETURN>"), "{}", rows.join("\n"));
    // The 132-column autowrap screen looks the same as the 80-column one: wait until both
    // sides have drawn it (vttest drops what is typed before it asks for Return).
    p.step(
        "autowrap 132",
        &[Key::Enter],
        Marker::Shows("Push <RETURN>"),
        nothing,
        false,
    );
    settle(&p);
    p.step(
        "controls inside sequences",
        &[Key::Enter],
        Marker::Shows("four identical lines"),
        whole,
        true,
    );
    let rows = p.tab.screen().rows;
    let lines: Vec<&String> = rows
        .iter()
        .filter(|r| r.starts_with("A B C D E F G H I"))
        .collect();
    assert_eq!(lines.len(), 4, "{}", rows.join("\n"));
    p.step(
        "leading zeros",
        &[Key::Enter],
        Marker::Shows("This is a correct sentence"),
        whole,
        true,
    );
    p.step(
        "back",
        &[Key::Enter],
        Marker::Shows("Enter choice number"),
        whole,
        true,
    );
    p.finish(&[Key::Text("0"), Key::Enter], &ctx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vttest_screen_features_in_a_tab_as_in_tmux() {
    let ctx = common::ctx("vtt-m2").await;
    ctx.hostprog("box", "exec sleep 100000").await;
    let mut p = start(&ctx, "vtt2");
    let steps: [(&str, Marker); 15] = [
        ("wrap around", Marker::Shows("Test of WRAP AROUND")),
        ("tabs", Marker::Shows("Test of TAB setting")),
        ("132 light", Marker::Shows("132 column mode, light")),
        ("80 light", Marker::Shows("80 column mode, light")),
        ("132 dark", Marker::Shows("132 column mode, dark")),
        ("80 dark", Marker::Shows("80 column mode, dark")),
        (
            "soft scroll region",
            Marker::Shows("Soft scroll down region [12..13] size 2 Line 29"),
        ),
        (
            "soft scroll screen",
            Marker::Shows("Soft scroll down region [1..24] size 24 Line 29"),
        ),
        (
            "jump scroll region",
            Marker::Shows("Jump scroll down region [12..13] size 2 Line 29"),
        ),
        (
            "jump scroll screen",
            Marker::Shows("Jump scroll down region [1..24] size 24 Line 29"),
        ),
        ("origin bottom", Marker::Shows("the one above the bottom")),
        (
            "origin top",
            Marker::Shows("This line should be at the top"),
        ),
        (
            "rendition dark",
            Marker::Shows("Graphic rendition test pattern"),
        ),
        (
            "rendition light",
            Marker::Shows("Graphic rendition test pattern"),
        ),
        ("save and restore", Marker::Shows("stars:")),
    ];
    let mut keys = vec![Key::Text("2"), Key::Enter];
    for (label, marker) in steps {
        match label {
            // tmux puts the line on row 2; the VT100, GNU screen and the tab at the bottom.
            "origin bottom" => p.step(label, &keys, marker, nothing, false),
            // tmux's capture gives the DEC line-drawing set's codes, the tab its glyphs.
            "save and restore" => p.step(label, &keys, marker, dec_codes, true),
            _ => p.step(label, &keys, marker, whole, true),
        }
        keys = vec![Key::Enter];
        if label == "origin bottom" {
            let rows = p.tab.screen().rows;
            let text = rows.join("\n");
            assert!(
                rows[23].starts_with("Origin mode test. This line should be at the bottom"),
                "{text}"
            );
            assert!(
                rows[22].starts_with("This line should be the one above the bottom"),
                "{text}"
            );
        }
        // The two-line region holds the scrolled text and the prompt: rows 12 and 13.
        if label.ends_with("scroll region") {
            let rows = p.tab.screen().rows;
            let text = rows.join("\n");
            assert_eq!(rows[11], "Push <RETURN>", "{text}");
            assert!(rows[12].contains("down region [12..13]"), "{text}");
            let others = rows
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != 11 && *i != 12);
            assert!(others.clone().all(|(_, r)| r.is_empty()), "{text}");
        }
    }
    p.step(
        "back",
        &[Key::Enter],
        Marker::Shows("Enter choice number"),
        whole,
        true,
    );
    p.finish(&[Key::Text("0"), Key::Enter], &ctx).await;
}
