//! Tests of the safe opens: each planted thing is refused and left as it was.

use super::*;
use std::os::unix::fs::PermissionsExt as _;

struct Tmp(PathBuf);

impl Tmp {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("execmux-sf-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        DirBuilder::new().mode(0o700).create(&dir).expect("mkdir");
        Self(dir)
    }
}

impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).expect("stat").mode() & 0o7777
}

fn victim(dir: &Path) -> PathBuf {
    let p = dir.join("victim");
    std::fs::write(&p, b"keep").expect("write");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    p
}

fn assert_kept(p: &Path) {
    assert_eq!(mode(p), 0o644, "{} was chmod'ed", p.display());
    assert_eq!(std::fs::read(p).expect("read"), b"keep");
}

fn refusal(e: &io::Error, words: &str) {
    assert_eq!(e.kind(), io::ErrorKind::PermissionDenied, "{e}");
    assert!(e.to_string().contains(words), "{e}");
}

#[test]
fn a_symlink_is_never_followed() {
    let t = Tmp::new("link");
    let target = victim(&t.0);
    let link = t.0.join("log");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    refusal(
        &open_append_private(&link).expect_err("append"),
        "symbolic link",
    );
    refusal(&rewrite(&link, b"x").expect_err("rewrite"), "symbolic link");
    assert!(create_new_private(&link).is_err(), "create_new");
    let dir = checked_dir(&t.0, false).expect("dir");
    assert!(create_new_at(&dir, "log").is_err(), "create_new_at");
    assert_kept(&target);
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let t = Tmp::new("fifo");
    let fifo = t.0.join("log");
    nix::unistd::mkfifo(&fifo, Mode::from_bits_truncate(0o644)).expect("mkfifo");
    refusal(
        &open_append_private(&fifo).expect_err("append"),
        "not a regular file",
    );
    refusal(
        &rewrite(&fifo, b"x").expect_err("rewrite"),
        "not a regular file",
    );
    assert_eq!(mode(&fifo), 0o644);
}

#[test]
fn a_hard_link_is_refused() {
    let t = Tmp::new("hard");
    let target = victim(&t.0);
    let other = t.0.join("log");
    std::fs::hard_link(&target, &other).expect("link");
    refusal(
        &open_append_private(&other).expect_err("append"),
        "hard links",
    );
    refusal(&rewrite(&other, b"x").expect_err("rewrite"), "hard links");
    assert_kept(&target);
}

#[test]
fn a_file_of_another_user_is_never_chmod_ed() {
    assert!(nix::unistd::geteuid().is_root(), "chown needs root");
    let t = Tmp::new("owner");
    let target = victim(&t.0);
    nix::unistd::chown(&target, Some(nix::unistd::Uid::from_raw(65534)), None).expect("chown");
    refusal(
        &open_append_private(&target).expect_err("append"),
        "belongs to uid 65534",
    );
    refusal(&rewrite(&target, b"x").expect_err("rewrite"), "uid 65534");
    assert_kept(&target);
}

#[test]
fn a_directory_others_can_change_is_refused_unless_sticky() {
    let t = Tmp::new("dir");
    let open = t.0.join("open");
    DirBuilder::new().mode(0o700).create(&open).expect("mkdir");
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).expect("chmod");
    refusal(
        &open_append_private(&open.join("log")).expect_err("refused"),
        "writable by other users",
    );
    assert!(!open.join("log").exists());
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).expect("chmod");
    open_append_private(&open.join("log")).expect("a sticky directory is fine");
    assert_eq!(mode(&open.join("log")), 0o600);
}

#[test]
fn a_directory_of_another_user_is_refused() {
    assert!(nix::unistd::geteuid().is_root(), "chown needs root");
    let t = Tmp::new("dirown");
    let theirs = t.0.join("theirs");
    DirBuilder::new()
        .mode(0o755)
        .create(&theirs)
        .expect("mkdir");
    nix::unistd::chown(&theirs, Some(nix::unistd::Uid::from_raw(65534)), None).expect("chown");
    refusal(
        &checked_dir(&theirs, false).expect_err("refused"),
        "belongs to uid 65534",
    );
}

#[test]
fn our_own_loose_log_is_tightened_and_appended_to() {
    let t = Tmp::new("own");
    let log = t.0.join("sub/dir/log");
    open_append_private(&log)
        .and_then(|mut f| f.write_all(b"a"))
        .expect("new");
    assert_eq!(mode(&log), 0o600);
    assert_eq!(mode(&t.0.join("sub/dir")), 0o700);
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    open_append_private(&log)
        .and_then(|mut f| f.write_all(b"b"))
        .expect("again");
    assert_eq!(mode(&log), 0o600);
    assert_eq!(std::fs::read(&log).expect("read"), b"ab");
}

#[test]
fn rewrite_replaces_our_file_and_makes_new_ones() {
    let t = Tmp::new("rewrite");
    let page = t.0.join("page.1");
    rewrite(&page, b"long old text").expect("new");
    rewrite(&page, b"new").expect("again");
    assert_eq!(std::fs::read(&page).expect("read"), b"new");
    assert_eq!(mode(&page), 0o644);
    assert!(rewrite(Path::new("/"), b"x").is_err(), "no file name");
}
