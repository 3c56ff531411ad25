//! A program side by side in a zoomed execmux tab (the real console in a pty) and in a tmux
//! pane of the same size: the same keys to both, a marker awaited on both, then their
//! screens compared and every difference recorded with both screens.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::pty::Pty;
use super::tmux::{Key, Mask, Screen, Tmux, styles};

/// The console's size; zoomed, the tab gets all of it but the tab bar's line.
pub const CONSOLE_ROWS: u16 = 31;
pub const CONSOLE_COLS: u16 = 90;
/// The host terminal type the console itself runs under.
pub const HOST_TERM: &str = "xterm-256color";
pub const CTRL_P: &[u8] = b"\x10";

/// What a step waits for on both screens before they are compared.
#[derive(Debug, Clone, Copy)]
pub enum Marker {
    Shows(&'static str),
    Lacks(&'static str),
    /// Some row is wider than this many columns (a redraw at a larger width).
    Wider(usize),
    /// Rows are shown and none is wider than this many columns.
    Within(usize),
}

impl Marker {
    pub fn met(self, rows: &[String]) -> bool {
        let text = rows.join("\n");
        match self {
            Marker::Shows(s) => text.contains(s),
            Marker::Lacks(s) => !text.contains(s),
            Marker::Wider(n) => rows.iter().any(|r| r.chars().count() > n),
            Marker::Within(n) => {
                rows.iter().any(|r| !r.is_empty()) && rows.iter().all(|r| r.chars().count() <= n)
            }
        }
    }
}

/// Our console with a zoomed tab on a shell, and where the tab sits on its screen.
pub struct Tab {
    pub pty: Pty,
    pub top: usize,
    pub left: usize,
    pub rows: u16,
    pub cols: u16,
}

impl Tab {
    pub fn open(ctx: &super::Ctx) -> Self {
        Self::open_at(ctx, CONSOLE_ROWS, CONSOLE_COLS)
    }

    /// The same in a console of `console_rows` x `console_cols`.
    pub fn open_at(ctx: &super::Ctx, console_rows: u16, console_cols: u16) -> Self {
        let mut cmd = ctx.execmux();
        cmd.env("TERM", HOST_TERM);
        let mut pty = Pty::spawn(cmd, console_rows, console_cols);
        pty.wait_screen("connected");
        // The pane is narrow here: its title may shorten the namespace, never the count.
        pty.wait_screen("Containers · ");
        pty.wait_screen(" · 1 ");
        pty.write(b"\r");
        pty.wait_screen("/ #");
        pty.write(CTRL_P);
        pty.write(b"z");
        pty.wait_screen("unzoom");
        // The tab's size and place: `stty size` right after a clear is its first row.
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            pty.write(b"clear; stty size\r");
            std::thread::sleep(Duration::from_millis(300));
            let screen = pty.screen();
            let found = screen.lines().enumerate().find_map(|(i, l)| {
                let t = l.trim();
                let (r, c) = t.split_once(' ')?;
                let size = (r.parse::<u16>().ok()?, c.parse::<u16>().ok()?);
                let left = l.chars().take_while(|c| *c == ' ').count();
                Some((i, left, size))
            });
            if let Some((top, left, (rows, cols))) = found
                && rows + 1 >= console_rows
                && cols >= console_cols - 2
            {
                pty.write(b"clear\r");
                return Self {
                    pty,
                    top,
                    left,
                    rows,
                    cols,
                };
            }
            assert!(
                Instant::now() < deadline,
                "the zoomed tab's size never showed:\n{screen}"
            );
        }
    }

    /// Where the tab is, for reports.
    pub fn place(&self) -> String {
        format!(
            "tab {}x{} at row {}, column {} of the console",
            self.rows, self.cols, self.top, self.left
        )
    }

    pub fn screen(&self) -> Screen {
        let text = self.pty.screen();
        let lines: Vec<&str> = text.lines().collect();
        let rows = (0..usize::from(self.rows))
            .map(|r| {
                lines.get(self.top + r).map_or_else(String::new, |l| {
                    let s: String = l.chars().skip(self.left).take(self.cols.into()).collect();
                    s.trim_end().to_owned()
                })
            })
            .collect();
        let (cursor, styles) = self.pty.with_screen(|emu| {
            let cursor = emu.cursor().and_then(|(r, c)| {
                let r = usize::from(r).checked_sub(self.top)?;
                let c = usize::from(c).checked_sub(self.left)?;
                Some((u16::try_from(r).ok()?, u16::try_from(c).ok()?))
            });
            let left = u16::try_from(self.left).unwrap_or(u16::MAX);
            (cursor, styles(emu, self.top, self.rows, left, self.cols))
        });
        Screen {
            rows,
            styles,
            cursor,
        }
    }
}

/// A program run side by side in our tab and in tmux.
pub struct Pair {
    pub tab: Tab,
    pub tmux: Tmux,
    pub name: &'static str,
    pub diffs: Vec<String>,
}

impl Pair {
    /// Starts `program` (a shell command line) in both, with `TERM=term`.
    pub fn start(
        ctx: &super::Ctx,
        container: &str,
        name: &'static str,
        term: &str,
        program: &str,
    ) -> Self {
        Self::start_at(ctx, container, name, term, program, Tab::open(ctx))
    }

    /// The same in `tab`, a tab opened at the size wanted.
    pub fn start_at(
        ctx: &super::Ctx,
        container: &str,
        name: &'static str,
        term: &str,
        program: &str,
        tab: Tab,
    ) -> Self {
        // `ctr task exec -t` sizes the exec's terminal only once it runs: the program
        // starts once the size is right, as it does in the tab.
        let ctr = format!(
            "/usr/bin/ctr -a {} -n {} task exec -t --exec-id fid-{name} {container} \
             sh -c 'until [ \"$(stty size)\" = \"{} {}\" ]; do sleep 0.05; done; \
             exec env TERM={term} {program}'",
            ctx.sandbox.address().display(),
            ctx.ns,
            tab.rows,
            tab.cols
        );
        let socket = ctx
            .state_dir
            .parent()
            .expect("the state dir lies in the sandbox dir")
            .join(format!("tmux-{name}.sock"));
        let tmux = Tmux::start(&socket, tab.rows, tab.cols, &ctr);
        // The tab's program starts once the tmux side's has drawn: started earlier, it
        // could list the other side still in its wrapper (htop keeps a process's first
        // name), and the two lists would differ for good.
        let deadline = Instant::now() + Duration::from_secs(15);
        while !tmux
            .screen(tab.rows, tab.cols)
            .is_some_and(|s| s.rows.iter().any(|r| !r.trim().is_empty()))
        {
            assert!(Instant::now() < deadline, "the tmux side never drew {name}");
            std::thread::sleep(Duration::from_millis(30));
        }
        let mut pair = Self {
            tab,
            tmux,
            name,
            diffs: Vec::new(),
        };
        // The whole line must reach the shell: busybox sh drops what is typed right after
        // `clear` (in tmux as in the tab), so type it again until it shows in full.
        let line = format!("env TERM={term} {program}");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            pair.tab.pty.write(b"\x15");
            pair.tab.pty.write(line.as_bytes());
            let shown = Instant::now() + Duration::from_secs(2);
            while Instant::now() < shown && !pair.tab.pty.screen().contains(&line) {
                std::thread::sleep(Duration::from_millis(30));
            }
            if pair.tab.pty.screen().contains(&line) {
                break;
            }
            assert!(Instant::now() < deadline, "the shell never showed {line:?}");
        }
        pair.tab.pty.write(b"\r");
        pair
    }

    /// Sends `keys` to both, waits until both meet `marker`, then until their screens
    /// agree (through `mask`); a disagreement is recorded with both screens.
    pub fn step(&mut self, label: &str, keys: &[Key], marker: Marker, mask: Mask, exact: bool) {
        for key in keys {
            self.tab.pty.write(&key.xterm());
            self.tmux.send(*key);
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        let (mut ours, mut theirs);
        loop {
            ours = self.tab.screen();
            theirs = self.tmux.screen(self.tab.rows, self.tab.cols);
            if marker.met(&ours.rows) && theirs.as_ref().is_some_and(|t| marker.met(&t.rows)) {
                break;
            }
            if Instant::now() > deadline {
                self.diffs.push(format!(
                    "{}/{label}: {marker:?} not met ({})\n{}",
                    self.name,
                    self.tab.place(),
                    render(&ours, theirs.as_ref())
                ));
                return;
            }
            std::thread::sleep(Duration::from_millis(30));
        }
        // Both have reached the step; a program may still be finishing its redraw.
        let settle = Instant::now() + Duration::from_secs(3);
        loop {
            let (a, b) = (
                ours.masked(mask, exact),
                theirs.as_ref().map(|t| t.masked(mask, exact)),
            );
            if b.as_ref() == Some(&a) {
                return;
            }
            if Instant::now() > settle {
                self.diffs.push(format!(
                    "{}/{label}: screens differ ({})\n{}",
                    self.name,
                    self.tab.place(),
                    render(&ours, theirs.as_ref())
                ));
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
            ours = self.tab.screen();
            theirs = self.tmux.screen(self.tab.rows, self.tab.cols);
        }
    }

    /// Resizes both: the console (its zoomed tab follows, one row less) and the tmux
    /// window, to a tab of `rows` x `cols`.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        self.tab.pty.resize(rows + 1, cols);
        self.tab.rows = rows;
        self.tab.cols = cols;
        self.tmux.resize(rows, cols);
    }

    /// Quits the program in both (`keys`), waits for both to be gone, closes the console.
    pub async fn finish(mut self, keys: &[Key], ctx: &super::Ctx) {
        for key in keys {
            self.tab.pty.write(&key.xterm());
            self.tmux.send(*key);
        }
        let deadline = Instant::now() + Duration::from_secs(15);
        while self.tmux.alive() {
            assert!(Instant::now() < deadline, "the tmux side did not quit");
            std::thread::sleep(Duration::from_millis(50));
        }
        self.tab.pty.wait_screen("/ #");
        self.tab.pty.write(b"exit\r");
        self.tab.pty.wait_screen("exited 0");
        self.tab.pty.write(CTRL_P);
        self.tab.pty.write(b"z");
        self.tab.pty.wait_screen("Containers ·");
        self.tab.pty.write(b"q");
        assert_eq!(self.tab.pty.wait(), Some(0));
        ctx.leak_check().await;
        assert!(
            self.diffs.is_empty(),
            "the tab differs from tmux:\n{}",
            self.diffs.join("\n")
        );
    }
}

/// Both screens side by side, differing rows marked.
pub fn render(ours: &Screen, theirs: Option<&Screen>) -> String {
    let Some(theirs) = theirs else {
        return "tmux gave no screen".into();
    };
    let mut out = format!("cursor: ours {:?}, tmux {:?}\n", ours.cursor, theirs.cursor);
    for (i, (a, b)) in ours.rows.iter().zip(&theirs.rows).enumerate() {
        let mark = if a == b { ' ' } else { '!' };
        let _ = writeln!(out, "{mark}{i:2} ours |{a}\n{mark}{i:2} tmux |{b}");
        let (sa, sb) = (ours.styles.get(i), theirs.styles.get(i));
        if sa != sb {
            let (sa, sb) = (
                sa.map_or(&[][..], Vec::as_slice),
                sb.map_or(&[][..], Vec::as_slice),
            );
            let at = sa
                .iter()
                .zip(sb)
                .position(|(x, y)| x != y)
                .unwrap_or(sa.len().min(sb.len()));
            let _ = writeln!(
                out,
                "*{i:2} styles differ from cell {at}: ours {:?}, tmux {:?}",
                sa.get(at..(at + 2).min(sa.len())),
                sb.get(at..(at + 2).min(sb.len()))
            );
        }
    }
    out
}
