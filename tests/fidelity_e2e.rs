//! The tab's terminal against tmux on real full-screen programs: each program runs once in a
//! zoomed execmux tab (the real console in a pty) and once in a tmux pane of the same size
//! (`ctr task exec -t`, same TERM), both get the same keys, and once both show a step's
//! marker their screens are compared row by row as text, cursor included.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::pty::Pty;
use execmux::session::emulator::Emulator;
use execmux::session::scrollback::CellStyle;
use execmux::session::text;
use unicode_width::UnicodeWidthStr;

/// The console's size; zoomed, the tab gets all of it but the tab bar's line.
const CONSOLE_ROWS: u16 = 31;
const CONSOLE_COLS: u16 = 90;
/// The host terminal type the console itself runs under.
const HOST_TERM: &str = "xterm-256color";
const CTRL_P: &[u8] = b"\x10";

/// A key, as an xterm sends it to our console and as tmux names it.
#[derive(Debug, Clone, Copy)]
enum Key {
    Text(&'static str),
    Enter,
    Esc,
    Ctrl(char),
    F(u8),
    Down,
    Right,
}

impl Key {
    fn xterm(self) -> Vec<u8> {
        match self {
            Key::Text(t) => t.as_bytes().to_vec(),
            Key::Enter => b"\r".to_vec(),
            Key::Esc => b"\x1b".to_vec(),
            Key::Down => b"\x1b[B".to_vec(),
            Key::Right => b"\x1b[C".to_vec(),
            Key::Ctrl(c) => vec![(c as u8) & 0x1f],
            Key::F(n) => match n {
                1..=4 => vec![0x1b, b'O', b'P' + n - 1],
                _ => format!(
                    "\x1b[{}~",
                    [15, 17, 18, 19, 20, 21, 23, 24][usize::from(n - 5)]
                )
                .into_bytes(),
            },
        }
    }

    fn tmux(self) -> Vec<String> {
        match self {
            Key::Text(t) => vec!["-l".into(), t.into()],
            Key::Enter => vec!["Enter".into()],
            Key::Esc => vec!["Escape".into()],
            Key::Down => vec!["Down".into()],
            Key::Right => vec!["Right".into()],
            Key::Ctrl(c) => vec![format!("C-{c}")],
            Key::F(n) => vec![format!("F{n}")],
        }
    }
}

/// What a step waits for on both screens before they are compared.
#[derive(Debug, Clone, Copy)]
enum Marker {
    Shows(&'static str),
    Lacks(&'static str),
}

impl Marker {
    fn met(self, rows: &[String]) -> bool {
        let text = rows.join("\n");
        match self {
            Marker::Shows(s) => text.contains(s),
            Marker::Lacks(s) => !text.contains(s),
        }
    }
}

/// The part of a screen a scenario compares: everything, or only what does not change
/// from one run to the next.
type Mask = fn(&[String]) -> Vec<String>;

fn whole(rows: &[String]) -> Vec<String> {
    rows.to_vec()
}

/// One screen as both sides see it: text rows (trailing blanks trimmed), the styled cells
/// of each row up to its last character (column and style), and the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Screen {
    rows: Vec<String>,
    styles: Vec<Vec<(u16, CellStyle)>>,
    cursor: Option<(u16, u16)>,
}

impl Screen {
    /// What a step compares: through `mask` only, or (`exact`) everything.
    fn masked(&self, mask: Mask, exact: bool) -> Screen {
        Screen {
            rows: mask(&self.rows),
            styles: if exact {
                self.styles.clone()
            } else {
                Vec::new()
            },
            cursor: if exact { self.cursor } else { None },
        }
    }
}

/// The styled cells of `rows` between columns `left` and `left + cols`, up to each row's
/// last character (tmux's capture drops trailing blanks whatever their colour), with
/// columns counted from `left`.
fn styles(
    emu: &Emulator,
    top: usize,
    rows: u16,
    left: u16,
    cols: u16,
) -> Vec<Vec<(u16, CellStyle)>> {
    let first = emu.scrollback().len() + top;
    text::doc_rows(emu, first, usize::from(rows))
        .into_iter()
        .map(|row| {
            let inside = |c: u16| c >= left && c < left + cols;
            let end = row
                .cells
                .iter()
                .filter(|(c, sym, _)| inside(*c) && !sym.trim().is_empty())
                .map(|(c, sym, _)| c + u16::try_from(sym.width()).unwrap_or(1).max(1))
                .max()
                .unwrap_or(0);
            row.cells
                .iter()
                .filter(|(c, _, st)| inside(*c) && *c < end && !st.is_default())
                .map(|(c, _, st)| (c - left, *st))
                .collect()
        })
        .collect()
}

/// A tmux server of our own (private socket, no config) running one program in one pane.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(socket: &str, rows: u16, cols: u16, command: &str) -> Self {
        let status = Command::new("tmux").arg("-V").output();
        assert!(
            status.is_ok_and(|o| o.status.success()),
            "tmux is missing: install it with apt-get install -y tmux (as root)"
        );
        let tmux = Self {
            socket: socket.to_owned(),
        };
        let out = tmux
            .cmd()
            .args(["-f", "/dev/null", "start-server", ";"])
            .args(["set", "-g", "status", "off", ";"])
            .args(["new-session", "-d", "-s", "fid", "-x"])
            .arg(cols.to_string())
            .arg("-y")
            .arg(rows.to_string())
            .arg(command)
            .output()
            .expect("run tmux");
        assert!(out.status.success(), "tmux new-session: {out:?}");
        tmux
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-L").arg(&self.socket).env_remove("TMUX");
        c
    }

    fn query(&self, args: &[&str]) -> Option<String> {
        let out = self.cmd().args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    fn alive(&self) -> bool {
        self.query(&["has-session", "-t", "fid"]).is_some()
    }

    fn screen(&self, rows: u16, cols: u16) -> Option<Screen> {
        let text = self.query(&["capture-pane", "-p", "-t", "fid"])?;
        let mut lines: Vec<String> = text.lines().map(|l| l.trim_end().to_owned()).collect();
        lines.resize(usize::from(rows), String::new());
        // The same rows with their attributes, read back through an emulator.
        let styled = self.query(&["capture-pane", "-p", "-e", "-t", "fid"])?;
        let mut emu = Emulator::new(rows, cols, 0);
        emu.feed(
            styled
                .trim_end_matches('\n')
                .replace('\n', "\r\n")
                .as_bytes(),
        );
        let info = self.query(&[
            "display",
            "-p",
            "-t",
            "fid",
            "#{cursor_flag} #{cursor_y} #{cursor_x}",
        ])?;
        let mut f = info.split_whitespace().map(str::parse::<u16>);
        let (flag, y, x) = (f.next()?.ok()?, f.next()?.ok()?, f.next()?.ok()?);
        Some(Screen {
            rows: lines,
            styles: styles(&emu, 0, rows, 0, cols),
            cursor: (flag == 1).then_some((y, x)),
        })
    }

    fn send(&self, key: Key) {
        let out = self
            .cmd()
            .args(["send-keys", "-t", "fid"])
            .args(key.tmux())
            .output()
            .expect("tmux send-keys");
        assert!(out.status.success(), "tmux send-keys: {out:?}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").output();
    }
}

/// Our console with a zoomed tab on a shell, and where the tab sits on its screen.
struct Tab {
    pty: Pty,
    top: usize,
    left: usize,
    rows: u16,
    cols: u16,
}

impl Tab {
    async fn open(ctx: &common::Ctx) -> Self {
        let mut cmd = ctx.execmux();
        cmd.env("TERM", HOST_TERM);
        let mut pty = Pty::spawn(cmd, CONSOLE_ROWS, CONSOLE_COLS);
        pty.wait_screen("connected");
        pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
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
            if let Some((top, left, (rows, cols))) = found {
                if rows + 1 >= CONSOLE_ROWS && cols >= CONSOLE_COLS - 2 {
                    pty.write(b"clear\r");
                    return Self {
                        pty,
                        top,
                        left,
                        rows,
                        cols,
                    };
                }
            }
            assert!(
                Instant::now() < deadline,
                "the zoomed tab's size never showed:\n{screen}"
            );
        }
    }

    fn screen(&self) -> Screen {
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
struct Pair {
    tab: Tab,
    tmux: Tmux,
    name: &'static str,
    diffs: Vec<String>,
}

impl Pair {
    /// Starts `program` (a shell command line) in both, with `TERM=term`.
    async fn start(
        ctx: &common::Ctx,
        container: &str,
        name: &'static str,
        term: &str,
        program: &str,
    ) -> Self {
        let tab = Tab::open(ctx).await;
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
        let socket = format!("execmux-fid-{}-{name}", std::process::id());
        let tmux = Tmux::start(&socket, tab.rows, tab.cols, &ctr);
        let mut pair = Self {
            tab,
            tmux,
            name,
            diffs: Vec::new(),
        };
        // The whole line must reach the shell: its line editor drops what is typed while
        // it sets up after `clear`, so type it again until it shows in full.
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
    fn step(&mut self, label: &str, keys: &[Key], marker: Marker, mask: Mask, exact: bool) {
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
                    "{}/{label}: {marker:?} not met\n{}",
                    self.name,
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
                    "{}/{label}: screens differ\n{}",
                    self.name,
                    render(&ours, theirs.as_ref())
                ));
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
            ours = self.tab.screen();
            theirs = self.tmux.screen(self.tab.rows, self.tab.cols);
        }
    }

    /// Quits the program in both (`keys`), waits for both to be gone, closes the console.
    async fn finish(mut self, keys: &[Key], ctx: &common::Ctx) {
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
fn render(ours: &Screen, theirs: Option<&Screen>) -> String {
    let Some(theirs) = theirs else {
        return "tmux gave no screen".into();
    };
    let mut out = format!("cursor: ours {:?}, tmux {:?}\n", ours.cursor, theirs.cursor);
    for (i, (a, b)) in ours.rows.iter().zip(&theirs.rows).enumerate() {
        let mark = if a == b { ' ' } else { '!' };
        out.push_str(&format!("{mark}{i:2} ours |{a}\n{mark}{i:2} tmux |{b}\n"));
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
            out.push_str(&format!(
                "*{i:2} styles differ from cell {at}: ours {:?}, tmux {:?}\n",
                sa.get(at..(at + 2).min(sa.len())),
                sb.get(at..(at + 2).min(sb.len()))
            ));
        }
    }
    out
}

/// The container's init writes the files the programs open, then sleeps.
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
    )
    .await;
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
    p.finish(&[Key::Text(":qa!"), Key::Enter], &ctx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn less_searches_and_jumps_as_in_tmux() {
    let ctx = common::ctx("fid-less").await;
    ctx.hostprog("box", FILES).await;
    let mut p = Pair::start(&ctx, "box", "less", "xterm", "/usr/bin/less /tmp/long.txt").await;
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
    let mut p = Pair::start(&ctx, "box", "htop", "xterm-256color", "/usr/bin/htop").await;
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
    let mut p = Pair::start(&ctx, "box", "top", "xterm", "top").await;
    p.step("header", &[], Marker::Shows("PID  PPID"), top_static, false);
    p.finish(&[Key::Text("q")], &ctx).await;
}
