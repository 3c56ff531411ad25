//! Every exec this process started or took over and has not ended yet, so that a panic
//! (whose hook exits the process before any task or destructor could end them) still
//! kills, waits for and deletes each of them, on a fresh connection, within a bound.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use crate::domain::ExecKey;
use crate::ending;
use crate::runtime::stdio::StdioSet;
use crate::runtime::{Deadlines, Runtime};

/// One live exec: where its containerd listens, and its FIFO directory.
#[derive(Debug, Clone)]
struct Entry {
    address: PathBuf,
    key: ExecKey,
    dir: PathBuf,
}

static LIVE: Mutex<BTreeMap<u64, Entry>> = Mutex::new(BTreeMap::new());
static NEXT: AtomicU64 = AtomicU64::new(1);

/// The place of one exec in the set; `forget` takes it out.
#[derive(Debug, Clone)]
pub struct Token(u64);

/// Records a live exec of ours.
pub fn remember(rt: &Runtime, key: &ExecKey, stdio: &StdioSet) -> Token {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let entry = Entry {
        address: rt.address().to_owned(),
        key: key.clone(),
        dir: stdio.dir().to_owned(),
    };
    LIVE.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(id, entry);
    Token(id)
}

/// The exec ended, was handed over or left running on purpose.
pub fn forget(token: &Token) {
    LIVE.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&token.0);
}

/// How many execs are live.
pub fn count() -> usize {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner).len()
}

/// Ends every live exec (SIGKILL, the wait, the delete, the FIFO directory), from a thread
/// of its own with its own runtime and connections: the caller may be a panicking worker
/// of the process's runtime. Returns after all ended or after `bound`, whichever is first;
/// what did not end is left for a later reaper, as after any other crash.
pub fn end_all(bound: Duration) {
    // try_lock: the panicking thread may be the one that holds the set.
    let entries: Vec<Entry> = match LIVE.try_lock() {
        Ok(mut live) => std::mem::take(&mut *live).into_values().collect(),
        Err(std::sync::TryLockError::Poisoned(p)) => {
            std::mem::take(&mut *p.into_inner()).into_values().collect()
        }
        Err(std::sync::TryLockError::WouldBlock) => return,
    };
    if entries.is_empty() {
        return;
    }
    tracing::warn!(
        execs = entries.len(),
        "ending every exec of ours after a panic"
    );
    let (done_tx, done) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("end-execs".into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(end_each(entries, bound));
            let _ = done_tx.send(());
        });
    if spawned.is_ok() {
        let _ = done.recv_timeout(bound);
    }
}

async fn end_each(entries: Vec<Entry>, bound: Duration) {
    let deadlines = Deadlines {
        kill_wait: bound,
        ..Deadlines::uniform(bound)
    };
    let mut rts: BTreeMap<PathBuf, Runtime> = BTreeMap::new();
    let mut ends = tokio::task::JoinSet::new();
    for e in entries {
        let rt = match rts.get(&e.address) {
            Some(rt) => rt.clone(),
            None => match Runtime::connect_with(&e.address, deadlines).await {
                Ok(rt) => {
                    rts.insert(e.address.clone(), rt.clone());
                    rt
                }
                Err(err) => {
                    tracing::warn!(exec = %e.key, error = %err, "cannot end after a panic");
                    continue;
                }
            },
        };
        ends.spawn(async move {
            let stdio = StdioSet::existing(&e.dir);
            match ending::reap(&rt, &e.key, || stdio.remove()).await {
                Ok(_) => tracing::info!(exec = %e.key, "ended after a panic"),
                Err(err) => tracing::warn!(exec = %e.key, error = %err,
                    "not ended after a panic; left for the reaper"),
            }
        });
    }
    while ends.join_next().await.is_some() {}
}
