//! A regex search over a tab's document (its scrollback and its screen): the matches in
//! absolute rows (they stay on their text while output goes on), the ring's matches cached
//! per query and ring generation (only the screen is searched again), next older / newer.

use regex::Regex;

use crate::session::emulator::Emulator;
use crate::session::text::{self, Hit, Point};

/// A cell by absolute row: rows evicted from the ring before it, plus its document row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Abs {
    pub row: u64,
    pub col: u16,
}

impl Abs {
    /// The absolute cell of a document point of `emu` now.
    pub fn of(emu: &Emulator, p: Point) -> Self {
        Self {
            row: text::evicted(emu) + p.row as u64,
            col: p.col,
        }
    }

    /// The document point of this cell in `emu` now (clamped to the document).
    pub fn point(self, emu: &Emulator) -> Point {
        let last = text::rows(emu).saturating_sub(1);
        let row = self.row.saturating_sub(text::evicted(emu));
        Point {
            row: usize::try_from(row).unwrap_or(usize::MAX).min(last),
            col: self.col.min(emu.size().1.saturating_sub(1)),
        }
    }
}

/// What the ring's matches were computed for: rows scrolled off, rows held, width.
type Generation = (u64, usize, u16);

/// One query and its matches.
#[derive(Debug)]
pub struct Search {
    pub query: String,
    regex: Regex,
    ring: Option<(Generation, Vec<(Abs, Abs)>)>,
    /// Every match, in document order: first and last cell.
    pub hits: Vec<(Abs, Abs)>,
    /// The match the cursor was last taken to.
    pub current: Option<usize>,
}

impl Search {
    pub fn new(query: &str) -> Result<Self, String> {
        let regex = Regex::new(query).map_err(|e| {
            let e = e.to_string();
            e.lines().last().unwrap_or("invalid").trim().to_owned()
        })?;
        Ok(Self {
            query: query.to_owned(),
            regex,
            ring: None,
            hits: Vec::new(),
            current: None,
        })
    }

    /// The matches in `emu` now: the ring's from the cache when it has not moved.
    pub fn refresh(&mut self, emu: &Emulator) {
        let ring = emu.scrollback();
        let generation = (emu.scrolled_off(), ring.len(), ring.width());
        let abs = |h: Hit| (Abs::of(emu, h.start), Abs::of(emu, h.end));
        if self.ring.as_ref().is_none_or(|(g, _)| *g != generation) {
            let hits = text::find_in_ring(ring, &self.regex)
                .into_iter()
                .map(abs)
                .collect();
            self.ring = Some((generation, hits));
        }
        self.hits.clear();
        if let Some((_, hits)) = &self.ring {
            self.hits.extend_from_slice(hits);
        }
        self.hits
            .extend(text::find_on_screen(emu, &self.regex).into_iter().map(abs));
        self.current = None;
    }

    /// The match after (`older`: before) `from`, wrapping around; with whether it wrapped.
    pub fn step(&mut self, from: Abs, older: bool) -> Option<(Abs, bool)> {
        if self.hits.is_empty() {
            return None;
        }
        let (i, wrapped) = if older {
            match self.hits.iter().rposition(|(s, _)| *s < from) {
                Some(i) => (i, false),
                None => (self.hits.len() - 1, true),
            }
        } else {
            match self.hits.iter().position(|(s, _)| *s > from) {
                Some(i) => (i, false),
                None => (0, true),
            }
        };
        self.current = Some(i);
        Some((self.hits[i].0, wrapped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_go_older_and_newer_and_wrap() {
        let mut emu = Emulator::new(2, 10, 100);
        emu.feed(b"x1\r\nx2\r\ny\r\nx3\r\nz");
        let mut s = Search::new("x\\d").expect("regex");
        s.refresh(&emu);
        assert_eq!(s.hits.len(), 3);
        let bottom = Abs { row: 4, col: 0 };
        let rows: Vec<u64> = (0..4)
            .scan(bottom, |at, _| {
                let (next, _) = s.step(*at, true)?;
                *at = next;
                Some(next.row)
            })
            .collect();
        assert_eq!(rows, [3, 1, 0, 3]);
        assert_eq!(
            s.step(Abs { row: 3, col: 0 }, false),
            Some((Abs { row: 0, col: 0 }, true))
        );
        assert_eq!(
            s.step(Abs { row: 0, col: 0 }, false).map(|h| h.0.row),
            Some(1)
        );
        assert!(Search::new("(").is_err());
    }

    #[test]
    fn matches_keep_their_rows_as_output_goes_on_and_the_ring_evicts() {
        let mut emu = Emulator::new(2, 10, 3);
        emu.feed(b"needle\r\n1\r\n2");
        let mut s = Search::new("needle").expect("regex");
        s.refresh(&emu);
        let hit = s.hits[0].0;
        assert_eq!(hit.point(&emu), Point { row: 0, col: 0 });
        emu.feed(b"\r\n3\r\n4\r\n5\r\n6");
        // The ring holds 3 rows: needle is gone, its absolute row is not reused.
        s.refresh(&emu);
        assert!(s.hits.is_empty());
        assert!(text::evicted(&emu) > hit.row);
    }
}
