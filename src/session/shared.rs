//! One tab's terminal shared by its two users: the tab's reader task, which owns the
//! feeding (it parses output as it arrives), and the console, which draws it and reads its
//! modes under a short lock. A "changed" flag coalesces notifications: the reader says
//! "changed" once, however much it parses before the console has looked.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use super::emulator::Emulator;

#[derive(Clone)]
pub struct SharedTerminal {
    emulator: Arc<Mutex<Emulator>>,
    changed: Arc<AtomicBool>,
    /// Output bytes parsed and not yet taken by the console (how much changed).
    parsed: Arc<AtomicU64>,
}

impl SharedTerminal {
    pub fn new(emulator: Emulator) -> Self {
        Self {
            emulator: Arc::new(Mutex::new(emulator)),
            changed: Arc::new(AtomicBool::new(false)),
            parsed: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The emulator, locked (a panic of a previous holder does not make it unusable: the
    /// emulator's state is only ever a screen).
    pub fn lock(&self) -> MutexGuard<'_, Emulator> {
        self.emulator
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Marks a change; true when it is new (nobody was told of an earlier one yet).
    pub fn mark_changed(&self) -> bool {
        !self.changed.swap(true, Ordering::AcqRel)
    }

    /// Counts `n` more output bytes parsed.
    pub fn count_parsed(&self, n: usize) {
        self.parsed
            .fetch_add(u64::try_from(n).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// Output bytes parsed since the last call.
    pub fn take_parsed(&self) -> u64 {
        self.parsed.swap(0, Ordering::Relaxed)
    }

    /// Takes the change mark: true when something changed since the last call.
    pub fn take_changed(&self) -> bool {
        self.changed.swap(false, Ordering::AcqRel)
    }
}

impl PartialEq for SharedTerminal {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.emulator, &other.emulator)
    }
}

impl Eq for SharedTerminal {}

impl std::fmt::Debug for SharedTerminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedTerminal")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_told_once_until_taken() {
        let t = SharedTerminal::new(Emulator::new(2, 10, 0));
        assert!(!t.take_changed());
        assert!(t.mark_changed());
        assert!(!t.mark_changed());
        assert!(t.take_changed());
        assert!(!t.take_changed());
        assert!(t.mark_changed());
    }

    #[test]
    fn clones_share_one_emulator() {
        let a = SharedTerminal::new(Emulator::new(2, 10, 0));
        let b = a.clone();
        a.lock().feed(b"hi");
        assert!(b.lock().screen_text().starts_with("hi"));
        assert_eq!(a, b);
        assert_ne!(a, SharedTerminal::new(Emulator::new(2, 10, 0)));
    }
}
