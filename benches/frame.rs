//! Frame rendering of the whole console: a node of 1000 containers and a full terminal tab
//! at 200x50, into ratatui's `TestBackend` (the terminal escape writing is not included);
//! and an echo's frame, partial (the changed row) against whole.

use std::time::SystemTime;

use execmux::app::App;
use execmux::app::msg::{Msg, PendingExec, Prepared, TabId};
use execmux::config::Config;
use execmux::domain::{
    ContainerId, ContainerInfo, ExecKey, Namespace, ProcessDefaults, TaskInfo, TaskState,
};
use execmux::monitor::{Scope, Snapshot};
use execmux::registry::ExecConfig;
use execmux::session::terminal::TerminalWriter;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn main() {
    divan::main();
}

fn node(containers: usize) -> (App, TerminalWriter) {
    let mut app = App::new(
        &Config::default(),
        "bench".into(),
        Scope::One("bench".into()),
        (200, 50),
    );
    let infos = (0..containers)
        .map(|i| ContainerInfo {
            namespace: Namespace::from("bench"),
            id: ContainerId::from(format!("container-{i:04}")),
            image: "docker.io/library/busybox:latest".into(),
            runtime: "io.containerd.runc.v2".into(),
            labels: std::collections::BTreeMap::new(),
            created_at: Some(SystemTime::now()),
            task: Some(TaskInfo {
                state: TaskState::Running,
                pid: 1000 + u32::try_from(i).unwrap_or(0),
            }),
        })
        .collect();
    app.update(Msg::Snapshot(Snapshot {
        containers: infos,
        ..Snapshot::default()
    }));
    let pending = PendingExec {
        container: app.visible_containers()[0].key(),
        config: ExecConfig {
            tty: true,
            stdin: true,
            ..ExecConfig::default()
        },
        shell: Some(vec!["/bin/sh".into()]),
    };
    let key = ExecKey {
        namespace: "bench".into(),
        container: "container-0000".into(),
        exec: "execmux-bench".into(),
    };
    let result = Ok((ProcessDefaults::default(), key, vec!["/bin/sh".into()]));
    let effects = app.update(Msg::Prepared(Box::new(Prepared { pending, result })));
    let (tab, mut writer) = match effects.into_iter().next() {
        Some(execmux::app::msg::Effect::Launch { tab, terminal, .. }) => (tab, terminal),
        other => panic!("no tab: {other:?}"),
    };
    app.update(Msg::Started { tab, pid: 42 });
    // A screen full of coloured text, as `ls --color` or a log would leave it.
    let mut screen = Vec::new();
    for i in 0..400 {
        screen.extend_from_slice(
            format!(
                "\x1b[3{}mline {i:04}\x1b[0m the quick brown fox jumps over the lazy dog {}\r\n",
                i % 8,
                "x".repeat(i % 90)
            )
            .as_bytes(),
        );
    }
    feed(&mut app, &mut writer, tab, &screen);
    (app, writer)
}

#[divan::bench(args = [10, 1000])]
fn full_frame(bencher: divan::Bencher<'_, '_>, containers: usize) {
    let (app, _writer) = node(containers);
    let mut term = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    bencher.bench_local(|| {
        term.draw(|f| execmux::ui::render(&app, f)).expect("draw");
    });
}

/// An echo after a whole frame: one typed character (then its erasure) drawn as the
/// console draws it, a partial frame of the changed row, against the whole frame.
#[divan::bench(args = ["partial", "whole"])]
fn echo_frame(bencher: divan::Bencher<'_, '_>, kind: &str) {
    let (mut app, mut writer) = node(10);
    let tab = app.tabs[0].id;
    let mut term = Terminal::new(TestBackend::new(200, 50)).expect("terminal");
    let mut screen = execmux::tui::Screen::default();
    execmux::tui::full(&mut term, &mut screen, |f| {
        execmux::ui::render_frame(&app, f)
    })
    .expect("draw");
    let mut n = 0u64;
    bencher.bench_local(|| {
        n += 1;
        let bytes: &[u8] = if n.is_multiple_of(2) {
            b"\x08 \x08"
        } else {
            b"~"
        };
        feed(&mut app, &mut writer, tab, bytes);
        let cells = (kind == "partial")
            .then(|| execmux::ui::partial::cells(&app, &screen.drawn, &[tab]))
            .flatten();
        match cells {
            Some(frame) => {
                execmux::tui::partial(&mut term, &mut screen, frame).expect("partial");
            }
            None => execmux::tui::full(&mut term, &mut screen, |f| {
                execmux::ui::render_frame(&app, f)
            })
            .expect("draw"),
        }
    });
}

/// Output as a tab's task delivers it: parsed into the tab's terminal, then told.
fn feed(app: &mut App, writer: &mut TerminalWriter, tab: TabId, bytes: &[u8]) {
    writer.feed(bytes);
    let change = Box::new(writer.change(bytes.len() as u64));
    app.update(Msg::Changed { tab, change });
}

/// A frame during a flood: the tab's screen scrolled by 50 new lines (every cell changed)
/// and drawn whole through crossterm into a sink, the escapes included; "feed" alone is the
/// parse, to be subtracted. Lines of an SGR colour per character, or plain text.
#[divan::bench(args = ["sgr feed", "sgr feed+draw", "plain feed", "plain feed+draw"])]
fn flood_frame(bencher: divan::Bencher<'_, '_>, kind: &str) {
    let (mut app, mut writer) = node(10);
    let tab = app.tabs[0].id;
    let mut chunks = Vec::new();
    for k in 0..8usize {
        let mut bytes = Vec::new();
        for i in 0..50usize {
            for j in 0..190usize {
                let letter = b'a' + u8::try_from((i + j + k) % 26).unwrap_or(0);
                if kind.starts_with("sgr") {
                    let colour = (i * 7 + j + k) % 256;
                    bytes.extend(format!("\x1b[38;5;{colour}m").as_bytes());
                }
                bytes.push(letter);
            }
            bytes.extend_from_slice(b"\x1b[0m\r\n");
        }
        chunks.push(bytes);
    }
    let draw = kind.ends_with("draw");
    // A fixed viewport: crossterm asks `tput` for the size when stdout is not a terminal.
    let mut term = Terminal::with_options(
        ratatui::backend::CrosstermBackend::new(std::io::sink()),
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 286, 54)),
        },
    )
    .expect("terminal");
    let mut screen = execmux::tui::Screen::default();
    let mut n = 0usize;
    bencher.bench_local(|| {
        n += 1;
        feed(&mut app, &mut writer, tab, &chunks[n % chunks.len()]);
        if draw {
            execmux::tui::full(&mut term, &mut screen, |f| {
                execmux::ui::render_frame(&app, f)
            })
            .expect("draw");
        }
    });
}
