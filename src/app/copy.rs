//! Copy mode over the active tab: a cursor moved with the keys or the mouse, a selection
//! started with `v`/space, yanked with `y`/Enter to the host clipboard (one OSC 52 that the
//! console writes itself, only then) or saved to a new file with `s`; `/` searches the
//! scrollback and the screen with a regex, `n`/`N` go to the next older / newer match.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::msg::{Effect, TabId};
use super::search::{Abs, Search};
use super::{App, Mode};
use crate::registry::detach_keys::Scan;
use crate::session::keys::{self, KeyModes};
use crate::session::text::{self, Point};

/// The key that, after the detach prefix in terminal mode, enters copy mode.
pub const COPY_CHORD: u8 = b'[';
/// The key that, after the detach prefix in terminal mode, opens the search prompt.
pub const SEARCH_CHORD: u8 = b'/';

/// The state of copy mode.
#[derive(Debug)]
pub struct Copy {
    pub tab: TabId,
    /// Leaving goes back to terminal mode (it was entered from there).
    pub to_terminal: bool,
    pub cursor: Abs,
    /// Where the selection started (None: nothing selected).
    pub anchor: Option<Abs>,
    /// The search being typed.
    pub prompt: Option<String>,
    pub search: Option<Search>,
    /// A mouse drag made the selection: releasing the button yanks it.
    pub dragging: bool,
    /// The last status message copy mode wrote (a search result): leaving takes it away.
    pub said: Option<String>,
}

impl Copy {
    /// The selection's first and last cell, in order.
    pub fn selection(&self) -> Option<(Abs, Abs)> {
        self.anchor
            .map(|a| (a.min(self.cursor), a.max(self.cursor)))
    }
}

/// What a key of copy mode leads to.
enum Next {
    Stay(Vec<Effect>),
    Leave(Vec<Effect>),
}

/// What a chord after the detach prefix asks for (None: not ours).
pub fn chord(bytes: &[u8]) -> Option<bool> {
    match bytes {
        [COPY_CHORD] => Some(false),
        [SEARCH_CHORD] => Some(true),
        _ => None,
    }
}

impl App {
    /// Copy mode on the active tab, the cursor where the tab's own is (or at the top of a
    /// scrolled-back view); `search` opens the prompt at once.
    pub(super) fn enter_copy(&mut self, search: bool) -> Vec<Effect> {
        let Some(tab) = self.tabs.get(self.active) else {
            self.status = Some("no tab open: Enter on a container opens its shell".into());
            return Vec::new();
        };
        let emu = tab.terminal.read();
        let len = emu.scrollback().len();
        let scroll = tab.scroll.min(len);
        let point = match emu.cursor() {
            Some((row, col)) if scroll == 0 => Point {
                row: len + usize::from(row),
                col,
            },
            _ => Point {
                row: len - scroll,
                col: 0,
            },
        };
        let cursor = Abs::of(&emu, point);
        drop(emu);
        let to_terminal = matches!(self.mode, Mode::Terminal);
        self.mode = Mode::Copy(Box::new(Copy {
            tab: tab.id,
            to_terminal,
            cursor,
            anchor: None,
            prompt: search.then(String::new),
            search: None,
            dragging: false,
            said: None,
        }));
        Vec::new()
    }

    pub(super) fn copy_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Mode::Copy(mut c) = std::mem::replace(&mut self.mode, Mode::Navigate) else {
            return Vec::new();
        };
        if self.tab_index(c.tab) != Some(self.active) {
            return Vec::new();
        }
        if c.prompt.is_some() {
            self.prompt_key(&mut c, key);
            self.mode = Mode::Copy(c);
            return Vec::new();
        }
        // The detach keys leave copy mode and detach at once, as from terminal mode.
        let bytes = keys::encode(&key, KeyModes::default()).unwrap_or_default();
        let tab = &mut self.tabs[self.active];
        if tab.state.is_running() && !bytes.is_empty() {
            match tab.matcher.scan(&bytes) {
                Scan::Detach { .. } => {
                    let effects = self.leave_copy(&c, Vec::new());
                    self.detach_from_copy();
                    return effects;
                }
                Scan::Forward(b) if b.is_empty() => {
                    // A prefix of the sequence: held until the next key says.
                    self.mode = Mode::Copy(c);
                    return Vec::new();
                }
                Scan::Forward(_) => {}
            }
        }
        match self.copy_command(&mut c, key) {
            Next::Stay(effects) => {
                self.mode = Mode::Copy(c);
                effects
            }
            Next::Leave(effects) => self.leave_copy(&c, effects),
        }
    }

    /// A key of copy mode.
    fn copy_command(&mut self, c: &mut Copy, key: KeyEvent) -> Next {
        let tab = &self.tabs[self.active];
        let emu = tab.terminal.read();
        let here = c.cursor.point(&emu);
        let last_row = text::rows(&emu).saturating_sub(1);
        let last_col = emu.size().1.saturating_sub(1);
        let half = usize::from(emu.size().0 / 2).max(1);
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let to = |row: usize, col: u16| Point { row, col };
        let moved = match key.code {
            KeyCode::Esc | KeyCode::Char('q') => return Next::Leave(Vec::new()),
            KeyCode::Char('c') if ctrl => return Next::Leave(Vec::new()),
            KeyCode::Left | KeyCode::Char('h') => to(here.row, here.col.saturating_sub(1)),
            KeyCode::Right | KeyCode::Char('l') => to(here.row, (here.col + 1).min(last_col)),
            KeyCode::Up | KeyCode::Char('k') => to(here.row.saturating_sub(1), here.col),
            KeyCode::Down | KeyCode::Char('j') => to((here.row + 1).min(last_row), here.col),
            KeyCode::PageUp => to(here.row.saturating_sub(half), here.col),
            KeyCode::PageDown => to((here.row + half).min(last_row), here.col),
            KeyCode::Home | KeyCode::Char('g') => to(0, 0),
            KeyCode::End | KeyCode::Char('G') => to(last_row, 0),
            KeyCode::Char('0') => to(here.row, 0),
            KeyCode::Char('$') => to(here.row, last_col),
            KeyCode::Char('v' | ' ') => {
                c.anchor = if c.anchor.is_some() {
                    None
                } else {
                    Some(c.cursor)
                };
                return Next::Stay(Vec::new());
            }
            KeyCode::Char('y') | KeyCode::Enter => {
                drop(emu);
                let effects = self.yank(c);
                return if effects.is_empty() {
                    c.said.clone_from(&self.status);
                    Next::Stay(effects)
                } else {
                    Next::Leave(effects)
                };
            }
            KeyCode::Char('s') => {
                let Some((a, b)) = c.selection() else {
                    drop(emu);
                    self.say(c, "nothing selected: v starts a selection".into());
                    return Next::Stay(Vec::new());
                };
                let text = text::selection(&emu, a.point(&emu), b.point(&emu));
                // Saved, copy mode is done (where the file went comes as a message).
                return Next::Leave(vec![Effect::SaveText {
                    stem: format!("selection-{}", tab.key.exec),
                    text,
                }]);
            }
            KeyCode::Char('/') => {
                c.prompt = Some(String::new());
                return Next::Stay(Vec::new());
            }
            KeyCode::Char('n' | 'N') => {
                drop(emu);
                self.next_match(c, key.code == KeyCode::Char('n'));
                return Next::Stay(Vec::new());
            }
            _ => return Next::Stay(Vec::new()),
        };
        c.cursor = Abs::of(&emu, moved);
        drop(emu);
        self.follow(c);
        Next::Stay(Vec::new())
    }

    fn prompt_key(&mut self, c: &mut Copy, key: KeyEvent) {
        let Some(prompt) = c.prompt.as_mut() else {
            return;
        };
        match key.code {
            KeyCode::Esc => c.prompt = None,
            KeyCode::Backspace => {
                prompt.pop();
            }
            KeyCode::Char(ch) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                prompt.push(ch);
            }
            KeyCode::Enter => {
                let query = std::mem::take(prompt);
                c.prompt = None;
                if query.is_empty() {
                    return;
                }
                match Search::new(&query) {
                    Ok(s) => {
                        c.search = Some(s);
                        self.next_match(c, true);
                    }
                    Err(e) => self.say(c, format!("bad regex /{query}/: {e}")),
                }
            }
            _ => {}
        }
    }

    /// Takes the cursor to the next older (or newer) match and scrolls it into view.
    fn next_match(&mut self, c: &mut Copy, older: bool) {
        let Some(search) = c.search.as_mut() else {
            self.say(c, "no search yet: / starts one".into());
            return;
        };
        {
            let emu = self.tabs[self.active].terminal.read();
            search.refresh(&emu);
        }
        match search.step(c.cursor, older) {
            None => {
                let text = format!("no match for /{}/", search.query);
                self.say(c, text);
            }
            Some((at, wrapped)) => {
                c.cursor = at;
                let n = search.hits.len();
                let i = search.current.map_or(0, |i| i + 1);
                let more = if wrapped { " (wrapped)" } else { "" };
                let text = format!("match {i}/{n} for /{}/{more}", search.query);
                self.say(c, text);
                self.follow(c);
            }
        }
    }

    /// A status message of copy mode's own, gone when copy mode is left.
    fn say(&mut self, c: &mut Copy, text: String) {
        self.status = Some(text.clone());
        c.said = Some(text);
    }

    /// The detach keys typed in copy mode: back to navigation, the exec keeps running.
    fn detach_from_copy(&mut self) {
        let Some(tab) = self.tabs.get_mut(self.active) else {
            return;
        };
        let _ = tab.matcher.flush();
        tab.zoom.held = false;
        let key = tab.key.clone();
        self.mode = Mode::Navigate;
        self.registry.detached(&key, (self.clock)());
        self.status = Some(format!(
            "detached from {}; it keeps running (i to focus it again)",
            key.exec
        ));
    }

    /// Scrolls the tab so that the cursor's row is in view.
    fn follow(&mut self, c: &Copy) {
        let tab = &mut self.tabs[self.active];
        let emu = tab.terminal.read();
        let len = emu.scrollback().len();
        let height = usize::from(emu.size().0);
        let row = c.cursor.point(&emu).row;
        let top = len - tab.scroll.min(len);
        if row < top {
            tab.scroll = len - row;
        } else if row >= top + height {
            tab.scroll = (len + height - 1).saturating_sub(row).min(len);
        }
    }

    /// The selection to the host clipboard: one OSC 52 the event loop writes.
    pub(super) fn yank(&mut self, c: &Copy) -> Vec<Effect> {
        let Some((a, b)) = c.selection() else {
            self.status = Some("nothing selected: v starts a selection".into());
            return Vec::new();
        };
        let emu = self.tabs[self.active].terminal.read();
        let text = text::selection(&emu, a.point(&emu), b.point(&emu));
        drop(emu);
        self.status = Some(format!(
            "copied {} characters to the clipboard",
            text.chars().count()
        ));
        vec![Effect::Clipboard(text)]
    }

    /// Back to the mode copy mode was entered from.
    pub(super) fn leave_copy(&mut self, c: &Copy, effects: Vec<Effect>) -> Vec<Effect> {
        if c.said.is_some() && self.status == c.said {
            self.status = None;
        }
        if let Some(tab) = self.tabs.iter_mut().find(|t| t.id == c.tab) {
            // A detach prefix typed in copy mode does not carry over to the exec.
            let _ = tab.matcher.flush();
        }
        let running = self
            .tabs
            .get(self.active)
            .is_some_and(|t| t.state.is_running() && t.id == c.tab);
        if c.to_terminal && running {
            self.tabs[self.active].scroll = 0;
            self.mode = Mode::Terminal;
        } else {
            self.mode = Mode::Navigate;
        }
        effects
    }
}

/// The one OSC 52 that puts `text` in the host terminal's clipboard (base64: nothing in
/// the text can end the sequence early).
pub fn osc52(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    format!("\x1b]52;c;{b64}\x07").into_bytes()
}
