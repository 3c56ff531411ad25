//! Files the binary writes where its environment points: a symlink planted where the log or a
//! man page goes is refused with a clear error, and what it points at is left as it was.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_execmux");

/// A directory of its own under the system temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("execmux-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

/// A file with known contents and mode 0644, standing for something not ours to touch.
fn victim(dir: &Path) -> PathBuf {
    let target = dir.join("victim");
    std::fs::write(&target, b"keep me\n").expect("write");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    target
}

fn assert_untouched(target: &Path) {
    assert_eq!(mode(target), 0o644, "the target was chmod'ed");
    assert_eq!(
        std::fs::read(target).expect("read"),
        b"keep me\n",
        "the target was written"
    );
}

fn run(args: &[&str], state: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .env("XDG_STATE_HOME", state)
        .env("XDG_CONFIG_HOME", state.join("config"))
        .output()
        .expect("run execmux")
}

#[test]
fn a_symlink_where_the_log_goes_is_refused() {
    let tmp = TempDir::new("logsym");
    let target = victim(&tmp.0);
    let state = tmp.0.join("state");
    let dir = state.join("execmux");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    std::os::unix::fs::symlink(&target, dir.join("execmux.log")).expect("symlink");
    let out = run(&["--print-config"], &state);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a log is no reason to fail: {out:?}"
    );
    assert_untouched(&target);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("execmux.log") && stderr.contains("symbolic link"),
        "no clear error: {stderr}"
    );
}

#[test]
fn a_log_directory_others_can_write_is_refused() {
    let tmp = TempDir::new("logdir");
    let state = tmp.0.join("state");
    let dir = state.join("execmux");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    let out = run(&["--print-config"], &state);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        !dir.join("execmux.log").exists(),
        "a log was made in a directory anyone can change"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("other users"), "no clear error: {stderr}");
}

#[test]
fn a_symlink_where_a_man_page_goes_is_refused() {
    let tmp = TempDir::new("mansym");
    let target = victim(&tmp.0);
    let dir = tmp.0.join("man1");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::os::unix::fs::symlink(&target, dir.join("execmux.1")).expect("symlink");
    let out = run(
        &["man", "--out", dir.to_str().expect("utf-8 temp path")],
        &tmp.0.join("state"),
    );
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    assert_untouched(&target);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("execmux.1") && stderr.contains("symbolic link"),
        "no clear error: {stderr}"
    );
}

#[test]
fn man_pages_are_rewritten_in_place() {
    let tmp = TempDir::new("managain");
    let dir = tmp.0.join("man1");
    let arg = dir.to_str().expect("utf-8 temp path");
    let state = tmp.0.join("state");
    assert_eq!(run(&["man", "--out", arg], &state).status.code(), Some(0));
    std::fs::write(dir.join("execmux.1"), b"old").expect("write");
    let out = run(&["man", "--out", arg], &state);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let page = std::fs::read_to_string(dir.join("execmux.1")).expect("read");
    assert!(page.starts_with(".ie") || page.contains(".TH"), "{page}");
}

#[test]
fn an_audit_log_that_would_be_refused_is_said_at_start() {
    let tmp = TempDir::new("auditsym");
    let target = victim(&tmp.0);
    let link = tmp.0.join("audit.log");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    let out = Command::new(BIN)
        .arg("--print-config")
        .env("XDG_STATE_HOME", tmp.0.join("state"))
        .env("XDG_CONFIG_HOME", tmp.0.join("config"))
        .env("EXECMUX_AUDIT_LOG", &link)
        .output()
        .expect("run execmux");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_untouched(&target);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("audit log") && stderr.contains("symbolic link"),
        "no clear error: {stderr}"
    );
}
