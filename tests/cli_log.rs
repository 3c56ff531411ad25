//! The log file: created 0600 in a directory created 0700, and a log left readable by
//! others is made private when the next run opens it.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_execmux");

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

fn run_in(state: &Path) {
    let out = Command::new(BIN)
        .arg("--print-config")
        .env("XDG_STATE_HOME", state)
        .env("XDG_CONFIG_HOME", state.join("config"))
        .output()
        .expect("run execmux");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

#[test]
fn the_log_is_private() {
    let state = std::env::temp_dir().join(format!("execmux-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(&state).expect("state dir");
    run_in(&state);
    let dir = state.join("execmux");
    let log = dir.join("execmux.log");
    assert_eq!(mode(&dir), 0o700, "the directory");
    assert_eq!(mode(&log), 0o600, "the log");
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    run_in(&state);
    assert_eq!(mode(&log), 0o600, "an old readable log");
    let _ = std::fs::remove_dir_all(&state);
}
