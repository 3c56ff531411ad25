use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Position;

use super::*;
use crate::app::App;
use crate::app::msg::{Msg, TabId};
use crate::app::tests::{app, feed, open_shell};

/// The screen a whole frame of `app` draws from nothing, with its cursor.
fn reference(app: &App) -> (Buffer, Option<Position>) {
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut drawn = Drawn::default();
    t.draw(|f| drawn = crate::ui::render_frame(app, f))
        .expect("draw");
    (t.backend().buffer().clone(), drawn.cursor)
}

/// Draws what changed, partially when it can; says whether it did.
fn frame(t: &mut Terminal<TestBackend>, screen: &mut Screen, app: &App, tab: TabId) -> bool {
    if let Some(p) = crate::ui::partial::cells(app, &screen.drawn, &[tab]) {
        partial(t, screen, p).expect("partial");
        true
    } else {
        full(t, screen, |f| crate::ui::render_frame(app, f)).expect("full");
        false
    }
}

#[test]
fn partial_frames_leave_the_screen_a_whole_frame_would_draw() {
    let mut a = app();
    let tab = open_shell(&mut a, "execmux-0123456789abcdef");
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut screen = Screen::default();
    full(&mut t, &mut screen, |f| crate::ui::render_frame(&a, f)).expect("full");
    assert!(
        screen.drawn.screens.iter().any(|(id, ..)| *id == tab),
        "the tab's screen is drawn uncovered"
    );
    let steps: &[&[u8]] = &[
        b"/ # ",
        b"e",
        b"c",
        b"\x1b[1;31mho\x1b[0m",
        b"\x08 \x08",
        b"\x08\x08\x08\x1b[K",
        b"\x1b[5;10Hx\x1b[2;1H",
        b"\r\n\r\n",
        "中文 wide".as_bytes(),
        b"\x1b[?25l",
        b"\x1b[?25h\x1b[H\x1b[2J/ # ",
    ];
    let mut partials = 0;
    for (n, bytes) in steps.iter().enumerate() {
        feed(&mut a, tab, bytes);
        partials += usize::from(frame(&mut t, &mut screen, &a, tab));
        let (want, cursor) = reference(&a);
        assert_eq!(t.backend().buffer(), &want, "step {n}: {bytes:?}");
        if let Some(at) = cursor {
            assert_eq!(t.backend().cursor_position(), at, "cursor after step {n}");
        }
        assert_eq!(
            screen.drawn.cursor, cursor,
            "cursor recorded after step {n}"
        );
    }
    assert!(
        partials >= 6,
        "echo-like steps are drawn partially: {partials}"
    );
    // Echoed partially, then taken back while something else changes too: the whole frame
    // must write the row again although its own last frame never saw the echo.
    feed(&mut a, tab, b"~");
    assert!(frame(&mut t, &mut screen, &a, tab), "the echo is partial");
    feed(&mut a, tab, b"\x08 \x08");
    a.update(Msg::Error("something else".into()));
    full(&mut t, &mut screen, |f| crate::ui::render_frame(&a, f)).expect("full");
    assert_eq!(t.backend().buffer(), &reference(&a).0);
    // A popup covers the screen: no partial frame under it.
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('p'),
        KeyModifiers::CONTROL,
    )));
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::CONTROL,
    )));
    a.update(Msg::Key(KeyEvent::new(
        KeyCode::Char('?'),
        KeyModifiers::NONE,
    )));
    full(&mut t, &mut screen, |f| crate::ui::render_frame(&a, f)).expect("full");
    feed(&mut a, tab, b"under the help");
    assert!(
        !frame(&mut t, &mut screen, &a, tab),
        "a whole frame under the help"
    );
    assert_eq!(t.backend().buffer(), &reference(&a).0);
}

#[test]
fn a_partial_frame_never_writes_over_the_right_half_of_a_wide_character() {
    use unicode_width::UnicodeWidthStr as _;
    let mut a = app();
    let tab = open_shell(&mut a, "execmux-0123456789abcdef");
    let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut screen = Screen::default();
    full(&mut t, &mut screen, |f| crate::ui::render_frame(&a, f)).expect("full");
    feed(&mut a, tab, "/ # 漢字 café".as_bytes());
    let cells = crate::ui::partial::cells(&a, &screen.drawn, &[tab])
        .expect("a partial frame")
        .cells;
    let wide: Vec<(u16, u16)> = cells
        .iter()
        .filter(|(_, _, c)| c.symbol().width() == 2)
        .map(|(x, y, _)| (*x, *y))
        .collect();
    assert_eq!(wide.len(), 2, "both wide characters are written");
    for (x, y) in wide {
        assert!(
            !cells.iter().any(|(cx, cy, _)| (*cx, *cy) == (x + 1, y)),
            "the column right of the wide character at {x},{y} is left alone"
        );
    }
}

#[test]
fn a_whole_frame_rewriting_a_partial_frames_row_keeps_its_wide_characters_in_place() {
    // Through crossterm's escapes into an emulator, as a host terminal would see them: a
    // wide character moves the host's cursor two columns, so writing the column it covers
    // would shift the rest of the row.
    let mut a = app();
    let tab = open_shell(&mut a, "execmux-0123456789abcdef");
    let written = Shared::default();
    let backend = ratatui::backend::CrosstermBackend::new(written.clone());
    let mut t = Terminal::with_options(
        backend,
        ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 120, 40)),
        },
    )
    .expect("terminal");
    let mut screen = Screen::default();
    full(&mut t, &mut screen, |f| crate::ui::render_frame(&a, f)).expect("full");
    feed(&mut a, tab, "/ # 漢字 café".as_bytes());
    let p = crate::ui::partial::cells(&a, &screen.drawn, &[tab]).expect("a partial frame");
    partial(&mut t, &mut screen, p).expect("partial");
    // Something else changes: the whole frame writes the partial frame's row again.
    a.update(Msg::Error("something else".into()));
    full(&mut t, &mut screen, |f| crate::ui::render_frame(&a, f)).expect("full");
    let mut host = crate::session::emulator::Emulator::new(40, 120, 0);
    host.feed(&written.0.borrow());
    let text = host.screen_text();
    assert!(text.contains("/ # 漢字 café"), "{text}");
}

/// A writer whose bytes stay readable after it is handed to a backend.
#[derive(Clone, Default)]
struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
