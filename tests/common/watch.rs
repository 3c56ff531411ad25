//! A running `execmux execs --watch --json`, its lines collected on a thread.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Watch {
    child: Child,
    pub lines: Arc<Mutex<Vec<serde_json::Value>>>,
}

impl Watch {
    /// Starts the watch with these extra arguments (e.g. `--gc-interval 2`).
    pub fn start(ctx: &super::Ctx, extra: &[&str]) -> Self {
        let mut child = ctx
            .execmux()
            .args(["execs", "--watch", "--json"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn watch");
        let out = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let v = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
                sink.lock().expect("lock").push(v);
            }
        });
        Self { child, lines }
    }

    /// Waits (20 s at most) for a line with `event` about exec `exec` (any exec when None).
    pub fn wait_for(&self, event: &str, exec: Option<&str>) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found = self
                .lines
                .lock()
                .expect("lock")
                .iter()
                .find(|v| v["event"] == event && exec.is_none_or(|e| v["exec"]["exec"] == e))
                .cloned();
            if let Some(v) = found {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "no {event} for {exec:?} in {:#?}",
                self.lines.lock().expect("lock")
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the watch; returns what it printed on stderr.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        err
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
