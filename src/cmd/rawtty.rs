//! The caller's terminal for `execmux exec -t`: raw mode restored on every exit path (drop,
//! explicit restore before exit, and the panic hook), and its size.

use std::sync::Mutex;

use rustix::termios::{OptionalActions, Termios, isatty, tcgetattr, tcgetwinsize, tcsetattr};

use crate::domain::ConsoleSize;

/// The attributes to put back, kept where the panic hook can reach them.
static SAVED: Mutex<Option<Termios>> = Mutex::new(None);

/// Raw mode on stdin while alive.
pub struct RawMode(());

impl RawMode {
    /// Puts stdin in raw mode if it is a terminal; None when it is not.
    pub fn enable() -> std::io::Result<Option<Self>> {
        let fd = rustix::stdio::stdin();
        if !isatty(fd) {
            return Ok(None);
        }
        let saved = tcgetattr(fd)?;
        let mut raw = saved.clone();
        raw.make_raw();
        if let Ok(mut slot) = SAVED.lock() {
            *slot = Some(saved);
        }
        tcsetattr(fd, OptionalActions::Now, &raw)?;
        Ok(Some(Self(())))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the saved attributes back (idempotent; safe from a panic hook).
pub fn restore() {
    let saved = SAVED.lock().ok().and_then(|mut s| s.take());
    if let Some(t) = saved {
        let _ = tcsetattr(rustix::stdio::stdin(), OptionalActions::Now, &t);
    }
}

/// The size of the caller's terminal (stdout, else stdin), if either is one.
pub fn size() -> Option<ConsoleSize> {
    [rustix::stdio::stdout(), rustix::stdio::stdin()]
        .into_iter()
        .filter(|fd| isatty(fd))
        .find_map(|fd| tcgetwinsize(fd).ok())
        .filter(|w| w.ws_row > 0 && w.ws_col > 0)
        .map(|w| ConsoleSize {
            rows: w.ws_row,
            cols: w.ws_col,
        })
}
