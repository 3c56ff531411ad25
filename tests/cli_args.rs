//! Arguments the binary refuses before it connects anywhere: an out-of-range GC interval
//! and arguments that are not UTF-8 get a clear message and their exit status.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_execmux");

fn execmux(args: &[&OsStr]) -> Output {
    Command::new(BIN)
        .args(args)
        // Nothing listens here: an argument that got through would fail to connect, not hang.
        .env("CONTAINERD_ADDRESS", "/nonexistent/execmux-cli-args.sock")
        .output()
        .expect("run execmux")
}

fn os(s: &str) -> &OsStr {
    OsStr::new(s)
}

#[test]
fn a_gc_interval_past_the_clock_is_a_usage_error_not_a_panic() {
    for value in ["18446744073709551615", "31536001", "0"] {
        let out = execmux(&[os("execs"), os("--watch"), os("--gc-interval"), os(value)]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{value}: {err}");
        assert!(!err.contains("panicked"), "{value}: {err}");
        assert!(
            err.contains("--gc-interval") && err.contains("1..=31536000"),
            "{value}: {err}"
        );
    }
}

#[test]
fn an_argument_that_is_not_utf8_exits_125_naming_it() {
    let bad = OsStr::from_bytes(b"b\xffx");
    for args in [
        &[os("exec"), bad, os("--"), os("/bin/true")][..],
        &[os("exec"), os("box"), os("--"), os("/bin/echo"), bad][..],
    ] {
        let out = execmux(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert!(
            err.starts_with("execmux: ") && err.contains("not valid UTF-8"),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("b\\xFFx") || err.contains("b\\xffx"),
            "{args:?}: {err}"
        );
    }
}

/// `-c` is a pod's container: without `--kube` it is a usage error, wherever `--kube` would
/// have gone; `--context` and `--kubeconfig` likewise.
#[test]
fn kube_only_options_need_kube() {
    for args in [
        &["exec", "-c", "side", "box", "--", "true"][..],
        &["--context", "x", "ps"][..],
        &["ps", "--kubeconfig", "/nonexistent"][..],
    ] {
        let os_args: Vec<&OsStr> = args.iter().map(|a| os(a)).collect();
        let out = execmux(&os_args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("--kube"), "{args:?}: {err}");
    }
}
