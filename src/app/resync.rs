//! Resyncs (reading containers and execs again) coalesced: one in flight at a time, at
//! most one more asked for meanwhile; each carries a generation, and a snapshot older than
//! the scope it was asked for, or than one already applied, is dropped.

use super::App;
use super::msg::Effect;
use crate::registry::sync::{self, Snapshot};

/// The resync bookkeeping of the console.
#[derive(Debug, Default)]
pub struct Resyncs {
    /// The generation the next resync gets.
    next: u64,
    /// The resync out now.
    in_flight: Option<u64>,
    /// Another was asked for while one was out: send it when that one answers.
    again: bool,
    /// Snapshots older than this were asked for another scope.
    floor: u64,
    /// The newest snapshot applied.
    applied: Option<u64>,
}

impl Resyncs {
    /// Whether a resync is out.
    pub fn in_flight(&self) -> bool {
        self.in_flight.is_some()
    }
}

impl App {
    /// Asks for a resync: one now when none is out, else one once it answers.
    pub fn resync(&mut self) -> Option<Effect> {
        if self.resyncs.in_flight.is_some() {
            self.resyncs.again = true;
            return None;
        }
        let generation = self.resyncs.next;
        self.resyncs.next += 1;
        self.resyncs.in_flight = Some(generation);
        Some(Effect::Resync {
            scope: self.scope.clone(),
            believed: sync::believed_live(&self.registry),
            generation,
        })
    }

    /// The scope changed: what is out now answers for the old one.
    pub(super) fn resync_new_scope(&mut self) -> Option<Effect> {
        self.resyncs.floor = self.resyncs.next;
        self.resync()
    }

    pub(super) fn on_snapshot(&mut self, snap: Snapshot) -> Vec<Effect> {
        let generation = snap.generation;
        let r = &self.resyncs;
        let stale = generation < r.floor || r.applied.is_some_and(|a| generation < a);
        if !stale {
            sync::apply_snapshot(&mut self.registry, &snap, (self.clock)());
            self.containers = snap.containers;
            self.resyncs.applied = Some(generation);
            self.clamp_selection();
        }
        self.resync_answered(generation)
    }

    pub(super) fn on_resync_failed(&mut self, generation: u64, error: String) -> Vec<Effect> {
        self.error(error);
        self.resync_answered(generation)
    }

    /// The resync of `generation` is back: the one asked for meanwhile goes out.
    fn resync_answered(&mut self, generation: u64) -> Vec<Effect> {
        if self.resyncs.in_flight == Some(generation) {
            self.resyncs.in_flight = None;
        }
        if self.resyncs.in_flight.is_none() && std::mem::take(&mut self.resyncs.again) {
            return self.resync().into_iter().collect();
        }
        Vec::new()
    }
}
