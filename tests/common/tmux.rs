//! tmux as the reference terminal: a private tmux server running one program in one pane,
//! its screen (text, cell styles, cursor) read back, keys sent by name; and the key type
//! both sides are driven with.

use std::process::Command;

use execmux::session::emulator::Emulator;
use execmux::session::scrollback::CellStyle;
use execmux::session::text;
use unicode_width::UnicodeWidthStr;

/// A key, as an xterm sends it to our console and as tmux names it.
#[derive(Debug, Clone, Copy)]
pub enum Key {
    Text(&'static str),
    Enter,
    Esc,
    Ctrl(char),
    F(u8),
    Down,
    Right,
}

impl Key {
    pub fn xterm(self) -> Vec<u8> {
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

    pub fn tmux(self) -> Vec<String> {
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

/// The part of a screen a scenario compares: everything, or only what does not change
/// from one run to the next.
pub type Mask = fn(&[String]) -> Vec<String>;

/// Compares the whole screen.
pub fn whole(rows: &[String]) -> Vec<String> {
    rows.to_vec()
}

/// One screen as both sides see it: text rows (trailing blanks trimmed), the styled cells
/// of each row up to its last character (column and style), and the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    pub rows: Vec<String>,
    pub styles: Vec<Vec<(u16, CellStyle)>>,
    pub cursor: Option<(u16, u16)>,
}

impl Screen {
    /// What a step compares: through `mask` only, or (`exact`) everything.
    pub fn masked(&self, mask: Mask, exact: bool) -> Screen {
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
pub fn styles(
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

/// A tmux server of our own (its socket in the sandbox's directory, no config) running one
/// program in one pane.
pub struct Tmux {
    socket: std::path::PathBuf,
}

impl Tmux {
    pub fn start(socket: &std::path::Path, rows: u16, cols: u16, command: &str) -> Self {
        let status = Command::new("tmux").arg("-V").output();
        assert!(
            status.is_ok_and(|o| o.status.success()),
            "tmux is missing: install it with apt-get install -y tmux (as root)"
        );
        let tmux = Self {
            socket: socket.to_path_buf(),
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

    pub fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket).env_remove("TMUX");
        c
    }

    pub fn query(&self, args: &[&str]) -> Option<String> {
        let out = self.cmd().args(args).output().ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn alive(&self) -> bool {
        self.query(&["has-session", "-t", "fid"]).is_some()
    }

    pub fn screen(&self, rows: u16, cols: u16) -> Option<Screen> {
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

    pub fn resize(&self, rows: u16, cols: u16) {
        let out = self
            .cmd()
            .args(["resize-window", "-t", "fid", "-x"])
            .arg(cols.to_string())
            .arg("-y")
            .arg(rows.to_string())
            .output()
            .expect("tmux resize-window");
        assert!(out.status.success(), "tmux resize-window: {out:?}");
    }

    pub fn send(&self, key: Key) {
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
