//! `execmux exec --transcript FILE`: a new file (0600, never an existing one) that gets the
//! exec's header, every byte of its output as it comes (stdout and stderr in arrival
//! order), then its end and exit code.

use std::fs::File;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The transcript file, shared by the output copiers.
#[derive(Clone)]
pub struct Tee {
    file: Arc<Mutex<File>>,
}

impl Tee {
    /// Creates `path`; fails when it exists.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let file = crate::transcript::create_exclusive(path)?;
        Ok(Self {
            file: Arc::new(Mutex::new(file)),
        })
    }

    /// Appends bytes; a failed write is logged and the exec goes on.
    pub fn write(&self, bytes: &[u8]) {
        let mut f = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(e) = f.write_all(bytes) {
            tracing::warn!(error = %e, "transcript write failed");
        }
    }

    /// Appends the last lines (the output may not have ended its line) and syncs.
    pub fn finish(&self, footer: &str) {
        self.write(b"\n");
        self.write(footer.as_bytes());
        let f = self
            .file
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(e) = f.sync_all() {
            tracing::warn!(error = %e, "transcript sync failed");
        }
    }
}

/// The transcript of `--transcript`, created before anything runs.
pub fn open(path: Option<&Path>) -> Result<Option<Tee>, super::CmdError> {
    path.map(|p| {
        Tee::create(p)
            .map_err(|e| super::CmdError::Usage(format!("transcript {}: {e}", p.display())))
    })
    .transpose()
}

/// Writes the header of the exec's record, once it has started.
pub fn header(tee: Option<&Tee>, rec: Option<&crate::registry::ExecRecord>) {
    if let (Some(t), Some(rec)) = (tee, rec) {
        t.write(crate::transcript::header(rec, false).as_bytes());
    }
}

/// Writes the end: when and how the exec ended (None: not known).
pub fn end(tee: Option<&Tee>, exit: Option<crate::domain::ExitInfo>) {
    if let Some(t) = tee {
        let ended = exit.map(|e| e.at.unwrap_or_else(std::time::SystemTime::now));
        t.finish(&crate::transcript::footer(
            ended,
            exit.map(|e| e.code),
            false,
        ));
    }
}
