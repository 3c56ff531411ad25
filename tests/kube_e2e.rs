//! `execmux exec --kube` and `execmux ps --kube` against a real single-node cluster
//! (`scripts/kube-sandbox.sh up`: etcd, kube-apiserver and a kubelet on a private
//! containerd; pods `box` {box, side} and `box2` {box}). Processes left in a container are
//! looked for on the node with the containerd client (`ctr task ps` on the sandbox's
//! socket), outside any teardown; `kubectl` is the reference client.
//!
//! `EXECMUX_KUBECONFIG` names the cluster's kubeconfig; without it these tests say so and
//! pass, unless `EXECMUX_REQUIRE_KUBE=1` (the test command sets both), where they fail.
#![allow(clippy::unwrap_used, clippy::missing_panics_doc)]

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::pty::Pty;

fn kubeconfig() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("EXECMUX_KUBECONFIG") {
        Some(PathBuf::from(p))
    } else {
        assert!(
            std::env::var("EXECMUX_REQUIRE_KUBE").as_deref() != Ok("1"),
            "EXECMUX_REQUIRE_KUBE=1 but no EXECMUX_KUBECONFIG: start the cluster with \
             scripts/kube-sandbox.sh up"
        );
        eprintln!("no EXECMUX_KUBECONFIG: the cluster tests do not run");
        None
    }
}

fn state_dir() -> PathBuf {
    std::env::var_os("EXECMUX_KUBE_STATE").map_or_else(|| "/run/execmux-kube".into(), PathBuf::from)
}

fn execmux(kc: &PathBuf) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_execmux"));
    c.env("KUBECONFIG", kc)
        .env_remove("CONTAINERD_NAMESPACE")
        .env(
            "EXECMUX_RUNTIME_DIR",
            std::env::temp_dir().join("execmux-kube-e2e"),
        );
    c
}

/// The reference client: `EXECMUX_KUBECTL` (the test command sets it), else `kubectl`.
fn kubectl_bin() -> std::ffi::OsString {
    std::env::var_os("EXECMUX_KUBECTL").unwrap_or_else(|| "kubectl".into())
}

fn kubectl(kc: &PathBuf, args: &[&str]) -> Output {
    Command::new(kubectl_bin())
        .env("KUBECONFIG", kc)
        .args(args)
        .output()
        .expect("kubectl")
}

/// The containerd id of a pod's container, as the API server reports it.
fn container_id(kc: &PathBuf, pod: &str, container: &str) -> String {
    let out = kubectl(
        kc,
        &[
            "get",
            "pod",
            pod,
            "-o",
            &format!(
                "jsonpath={{.status.containerStatuses[?(@.name==\"{container}\")].containerID}}"
            ),
        ],
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    id.strip_prefix("containerd://").unwrap_or(&id).to_owned()
}

/// The command lines of the processes in a container, from containerd's own listing.
fn processes(kc: &PathBuf, pod: &str, container: &str) -> Vec<String> {
    let sock = state_dir().join("containerd.sock");
    let id = container_id(kc, pod, container);
    let out = Command::new("ctr")
        .arg("-a")
        .arg(&sock)
        .args(["-n", "k8s.io", "task", "ps", &id])
        .output()
        .expect("ctr");
    assert!(
        out.status.success(),
        "ctr task ps: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
            Some(
                String::from_utf8_lossy(&raw)
                    .replace('\0', " ")
                    .trim()
                    .to_owned(),
            )
        })
        .collect()
}

/// Waits until no process in the container has `marker` in its command line.
fn gone(kc: &PathBuf, pod: &str, container: &str, marker: &str, secs: u64) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let left: Vec<String> = processes(kc, pod, container)
            .into_iter()
            .filter(|c| c.contains(marker))
            .collect();
        if left.is_empty() || Instant::now() > deadline {
            return left;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until `n` processes in the container have `marker` in their command line.
fn running(kc: &PathBuf, pod: &str, container: &str, marker: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = processes(kc, pod, container)
            .into_iter()
            .filter(|c| c.contains(marker))
            .count();
        if got >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{n} processes with {marker:?} never ran ({got})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn exit_codes_streams_and_the_container_flag() {
    let Some(kc) = kubeconfig() else { return };
    let out = execmux(&kc)
        .args([
            "exec",
            "--kube",
            "box",
            "--",
            "sh",
            "-c",
            "echo out; echo err >&2; exit 3",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    assert_eq!(out.stdout, b"out\n", "stdout apart, without the marker");
    assert_eq!(out.stderr, b"err\n");
    // -c: the file is written in `side`'s filesystem, as kubectl reads it there.
    let token = format!("token-{}", std::process::id());
    let out = execmux(&kc)
        .args(["exec", "--kube", "-c", "side", "box", "--", "sh", "-c"])
        .arg(format!("echo {token} > /tmp/side-mark"))
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let read = kubectl(
        &kc,
        &["exec", "box", "-c", "side", "--", "cat", "/tmp/side-mark"],
    );
    assert_eq!(String::from_utf8_lossy(&read.stdout).trim(), token);
    // The global flag before the subcommand reaches the same container.
    let ours = execmux(&kc)
        .args([
            "--kube",
            "exec",
            "-c",
            "side",
            "box",
            "--",
            "cat",
            "/tmp/side-mark",
        ])
        .output()
        .expect("run");
    assert_eq!(ours.status.code(), Some(0), "{ours:?}");
    assert_eq!(String::from_utf8_lossy(&ours.stdout).trim(), token);
    let other = kubectl(
        &kc,
        &["exec", "box", "-c", "box", "--", "cat", "/tmp/side-mark"],
    );
    assert!(
        !String::from_utf8_lossy(&other.stdout).contains(&token),
        "written in box, not side"
    );
    // A command that is not there: 127, as for containerd.
    let out = execmux(&kc)
        .args(["exec", "--kube", "box", "--", "no-such-command"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(127), "{out:?}");
    assert_eq!(out.stderr, b"no-such-command: command not found\n");
}

#[test]
fn a_missing_pod_container_or_bad_option_is_a_clear_error() {
    let Some(kc) = kubeconfig() else { return };
    let cases: [(&[&str], &str); 5] = [
        (
            &["nopod", "--", "true"],
            "pod nopod not found in namespace default",
        ),
        (
            &["-c", "nope", "box", "--", "true"],
            "container nope is not in pod box (its containers: box, side)",
        ),
        (
            &["-u", "0", "box", "--", "true"],
            "-u: Kubernetes runs an exec as its container's user",
        ),
        (
            &["-n", "nons", "box", "--", "true"],
            "pod box not found in namespace nons",
        ),
        (
            &["-e", "A=1", "box", "--", "true"],
            "-e: Kubernetes sets no environment",
        ),
    ];
    for (args, said) in cases {
        let out = execmux(&kc)
            .args(["exec", "--kube"])
            .args(args)
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(125), "{args:?}: {err}");
        assert!(err.contains(said), "{args:?}: {err}");
    }
    // Commands that need containerd say so rather than look at the node.
    let out = execmux(&kc)
        .args(["execs", "--kube"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(125));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Kubernetes keeps no list of execs"));
}

#[test]
fn stdin_of_any_size_arrives_whole_and_input_left_unread_is_an_error() {
    let Some(kc) = kubeconfig() else { return };
    let data: Vec<u8> = (0..20_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13).to_le_bytes()[0])
        .collect();
    let mut child = execmux(&kc)
        .args([
            "exec",
            "--kube",
            "-i",
            "box",
            "--",
            "sh",
            "-c",
            "sleep 1; wc -c; ",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let feed = {
        let data = data.clone();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&data);
        })
    };
    let out = child.wait_with_output().expect("wait");
    feed.join().expect("feeder");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        data.len().to_string()
    );
    // An exec that reads 10 bytes of 20 MB and exits: the cluster holds its exit status
    // until the input is taken; execmux sees the process gone and says what happened.
    let (code, _, err) = fed(&kc, "head -c 10 >/dev/null; exit 4", data);
    assert_eq!(code, Some(125), "{err}");
    assert!(
        err.contains("ended before it read all of its input"),
        "{err}"
    );
    // Input small enough to be sent whole, and its end told, before the exec exits without
    // reading it: no send of ours waits, the input sits in the cluster's buffers, and the
    // cluster still holds the status (this hung once).
    let (code, _, err) = fed(&kc, "sleep 2; exit 4", vec![b'x'; 3_000_000]);
    assert_eq!(code, Some(125), "{err}");
    assert!(err.contains("(3000000 bytes sent)"), "{err}");
    // Input read whole, then the exit: its own code, no error.
    let (code, out, err) = fed(&kc, "wc -c; exit 4", vec![b'x'; 3_000_000]);
    assert_eq!((code, out.trim()), (Some(4), "3000000"), "{err}");
}

/// Runs `sh -c SCRIPT` in pod `box` with `input` on stdin; killed (and the test failed)
/// when it has not ended in 90 s.
fn fed(kc: &PathBuf, script: &str, input: Vec<u8>) -> (Option<i32>, String, String) {
    let mut child = execmux(kc)
        .args(["exec", "--kube", "-i", "box", "--", "sh", "-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let feed = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let pid = child.id();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let out = child.wait_with_output().expect("wait");
        let _ = done_tx.send(());
        out
    });
    if done_rx.recv_timeout(Duration::from_secs(90)).is_err() {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        let _ = waiter.join();
        panic!("execmux exec --kube -i box -- sh -c {script:?} did not end in 90 s");
    }
    let out = waiter.join().expect("waiter");
    let _ = feed.join();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_tty_exec_has_the_terminals_size_through_resizes_and_exit_3() {
    let Some(kc) = kubeconfig() else { return };
    let mut cmd = execmux(&kc);
    cmd.args(["exec", "--kube", "-it", "box", "--", "sh"]);
    let mut pty = Pty::spawn(cmd, 30, 100);
    let before = pty.initial_attrs();
    pty.wait_for("# ");
    pty.write(b"stty size\r");
    pty.wait_for("30 100");
    for (rows, cols) in [(40u16, 120u16), (20, 70), (50, 200)] {
        pty.resize(rows, cols);
        // Asked until the answer is the new size (the resize travels on its own channel).
        let want = format!("{rows} {cols}");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            pty.write(b"stty size\r");
            std::thread::sleep(Duration::from_millis(150));
            if pty.text().contains(&want) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no {want} after a resize: {}",
                pty.text()
            );
        }
    }
    pty.write(b"exit 3\r");
    assert_eq!(pty.wait(), Some(3));
    let after = pty.attrs();
    assert_eq!(
        (after.local_modes, after.input_modes, after.output_modes),
        (before.local_modes, before.input_modes, before.output_modes),
        "the terminal is restored"
    );
    assert!(
        !pty.text().contains("execmux;"),
        "the marker never reaches the terminal"
    );
}

/// Kubernetes itself leaves an exec running when its stream ends: the reason execmux
/// ends execs with a killer exec. `kubectl exec` `SIGKILLed` mid-run leaves its process.
#[test]
fn the_end_of_a_stream_leaves_the_process_running_in_kubernetes() {
    let Some(kc) = kubeconfig() else { return };
    let marker = format!("sleep {}7", unique());
    let mut k = Command::new(kubectl_bin())
        .env("KUBECONFIG", &kc)
        .args(["exec", "box2", "--", "sleep", &marker[6..]])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl");
    running(&kc, "box2", "box", &marker, 1);
    k.kill().expect("kill kubectl");
    let _ = k.wait();
    std::thread::sleep(Duration::from_secs(2));
    let left = processes(&kc, "box2", "box");
    let stays = left.iter().any(|c| c.contains(&marker));
    // Clean up with execmux's own killer path: a run that kills by command line is not
    // available, so the process is ended from the node.
    for pid in host_pids(&kc, "box2", "box", &marker) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    assert!(stays, "the process ended with its stream: {left:?}");
}

/// A number no earlier run used: the command lines of this run's processes carry it.
fn unique() -> u32 {
    std::process::id() % 100_000 + 100_000
}

fn host_pids(kc: &PathBuf, pod: &str, container: &str, marker: &str) -> Vec<i32> {
    let sock = state_dir().join("containerd.sock");
    let id = container_id(kc, pod, container);
    let out = Command::new("ctr")
        .arg("-a")
        .arg(&sock)
        .args(["-n", "k8s.io", "task", "ps", &id])
        .output()
        .expect("ctr");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|raw| {
                String::from_utf8_lossy(&raw)
                    .replace('\0', " ")
                    .contains(marker)
            })
        })
        .collect()
}

/// SIGTERM, SIGHUP and SIGINT end the exec and everything it started: a background job
/// and a grandchild are gone from the container afterwards (containerd's listing).
#[test]
fn a_cancelled_exec_leaves_no_process_in_the_container() {
    let Some(kc) = kubeconfig() else { return };
    for (n, signal) in [
        (1, nix::sys::signal::Signal::SIGTERM),
        (2, nix::sys::signal::Signal::SIGHUP),
        (3, nix::sys::signal::Signal::SIGINT),
    ] {
        let marker = format!("sleep {}{n}", unique());
        let script = format!("{marker}1 & sh -c '{marker}2 & wait' & {marker}3");
        let child = execmux(&kc)
            .args([
                "exec", "--kube", "-c", "side", "box", "--", "sh", "-c", &script,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        running(&kc, "box", "side", &marker, 3);
        let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
        nix::sys::signal::kill(pid, signal).expect("signal");
        let out = child.wait_with_output().expect("wait");
        assert_eq!(
            out.status.code(),
            Some(137),
            "{signal}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let left = gone(&kc, "box", "side", &marker, 5);
        assert!(left.is_empty(), "{signal} left {left:?}");
    }
}

/// A hang-up of the terminal of `exec -it` ends the exec and its children.
#[test]
fn a_hang_up_of_a_tty_exec_leaves_no_process() {
    let Some(kc) = kubeconfig() else { return };
    let mut cmd = execmux(&kc);
    cmd.args(["exec", "--kube", "-it", "box2", "--", "sh"]);
    let mut pty = Pty::spawn(cmd, 24, 80);
    pty.wait_for("# ");
    let marker = format!("sleep {}4", unique());
    pty.write(format!("{marker}1 & sh -c '{marker}2 & wait' &\r").as_bytes());
    running(&kc, "box2", "box", &marker, 2);
    pty.hang_up();
    let _ = pty.wait();
    let left = gone(&kc, "box2", "box", &marker, 10);
    assert!(left.is_empty(), "a hang-up left {left:?}");
}

#[test]
fn ps_lists_the_pods_containers_as_kubectl_does() {
    let Some(kc) = kubeconfig() else { return };
    let out = execmux(&kc)
        .args(["ps", "--kube", "--json"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut ours: Vec<(String, String, String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json");
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            (s("pod"), s("container"), s("state"), s("node"))
        })
        .collect();
    ours.sort();
    let theirs = kubectl(
        &kc,
        &[
            "get",
            "pods",
            "-o",
            "jsonpath={range .items[*]}{range .status.containerStatuses[*]}{.name} {end}{end}",
        ],
    );
    assert!(theirs.status.success());
    let names: Vec<&str> = ours.iter().map(|r| r.1.as_str()).collect();
    let mut kubectl_names: Vec<String> = String::from_utf8_lossy(&theirs.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    kubectl_names.sort();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, kubectl_names);
    for pod_container in [("box", "box"), ("box", "side"), ("box2", "box")] {
        assert!(
            ours.iter()
                .any(|r| (r.0.as_str(), r.1.as_str()) == pod_container
                    && r.2 == "running"
                    && r.3 == "localhost"),
            "{pod_container:?} in {ours:?}"
        );
    }
    let table = execmux(&kc).args(["ps", "--kube"]).output().expect("run");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.starts_with("NAMESPACE"), "{text}");
    assert!(text.contains("box2"), "{text}");
}

const CTRL_P: &[u8] = b"\x10";
const CTRL_Q: &[u8] = b"\x11";

/// An empty directory of this run's own for a console's state.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("execmux-kube-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("state dir");
    dir
}

/// The console on the cluster, as `execmux --kube` in a pty.
fn console(kc: &PathBuf, state: &std::path::Path, rows: u16, cols: u16) -> Pty {
    let mut cmd = execmux(kc);
    cmd.arg("--kube")
        .env("TERM", "xterm")
        .env("XDG_STATE_HOME", state)
        .env("XDG_CONFIG_HOME", state.join("no-config"))
        .env_remove("EXECMUX_LOG");
    let pty = Pty::spawn(cmd, rows, cols);
    pty.wait_screen("connected");
    for row in ["box/box", "box/side", "box2/box"] {
        pty.wait_screen(row);
    }
    pty
}

/// The inner size (rows, columns) of the pane whose title starts with `title`, read off
/// the screen's box-drawing border.
fn pane_size(screen: &str, title: &str) -> Option<(usize, usize)> {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    for (y, line) in lines.iter().enumerate() {
        let text: String = line.iter().collect();
        for corner in ['┏', '┌'] {
            let Some(at) = text.find(&format!("{corner} {title}")) else {
                continue;
            };
            let x0 = text[..at].chars().count();
            let x1 = (x0 + 1..line.len()).find(|&x| matches!(line[x], '┓' | '┐'))?;
            let y1 = (y + 1..lines.len())
                .find(|&r| lines[r].get(x0).is_some_and(|c| matches!(c, '┗' | '└')))?;
            return Some((y1 - y - 1, x1 - x0 - 1));
        }
    }
    None
}

/// Asks the focused tab's shell for its size until it says the size its pane has, once the
/// pane is no longer `before` (a frame drawn before the resize is not the answer): 20 s at
/// most (resizes are debounced).
fn size_follows(pty: &mut Pty, title: &str, before: Option<(usize, usize)>) -> (usize, usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let Some((rows, cols)) = pane_size(&pty.screen(), title).filter(|s| Some(*s) != before)
        else {
            assert!(
                Instant::now() < deadline,
                "no pane {title:?}:\n{}",
                pty.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
            continue;
        };
        let said = format!("S{rows} {cols}");
        pty.write(b"clear; echo S$(stty size)\r");
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_millis(500) {
            if pty.screen().contains(&said) {
                return (rows, cols);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            Instant::now() < deadline,
            "the shell never said {said}:\n{}",
            pty.screen()
        );
    }
}

/// From the console: a shell in a pod whose size follows three resizes, `exit 3` shown as
/// exit 3, a tab closed with `x`, two pods side by side in a split with one broadcast line
/// reaching both, a transcript naming the pod, and after `q` no process of any of those
/// execs left in the containers (containerd's own listing on the node).
#[test]
fn the_console_on_a_cluster_tabs_split_broadcast_transcript_and_a_clean_quit() {
    let Some(kc) = kubeconfig() else { return };
    let state = fresh_dir("console");
    let pods = [("box", "box"), ("box2", "box"), ("box", "side")];
    // Shells already there (another client's) are not this run's to count.
    let before: Vec<Vec<i32>> = pods
        .iter()
        .map(|(p, c)| host_pids(&kc, p, c, "/bin/sh"))
        .collect();
    let mut pty = console(&kc, &state, 45, 160);
    let screen = pty.screen();
    assert!(screen.contains("NODE"), "{screen}");
    assert!(
        screen.contains("Kubernetes keeps no list of execs"),
        "{screen}"
    );
    assert!(!screen.contains("K kill"), "{screen}");
    let marker = format!("sleep {}5", unique());
    // box/box: a shell, its size through three resizes, and a background job.
    pty.write(b"\r");
    pty.wait_screen("1:● box/box: /bin/sh");
    pty.wait_screen("/ #");
    let mut sizes = vec![size_follows(&mut pty, "box/box: /bin/sh", None)];
    for (rows, cols) in [(50u16, 180u16), (30, 110), (45, 160)] {
        pty.resize(rows, cols);
        let before = sizes.last().copied();
        sizes.push(size_follows(&mut pty, "box/box: /bin/sh", before));
    }
    assert_eq!(
        sizes[0], sizes[3],
        "the same window, the same tab: {sizes:?}"
    );
    pty.write(format!("{marker}1 &\r").as_bytes());
    running(&kc, "box", "box", &marker, 1);
    pty.write(CTRL_P);
    pty.write(CTRL_Q);
    pty.wait_screen_without("TERMINAL");
    // box/side: a job, then `exit 3`; a second one closed with x while it runs.
    pty.write(b"j\r");
    pty.wait_screen("2:● box/side: /bin/sh");
    pty.wait_screen("/ #");
    pty.write(b"exit 3\r");
    pty.wait_screen("exited 3");
    pty.write(b"x");
    pty.wait_screen_without("box/side: /bin/sh");
    pty.write(b"\r");
    pty.wait_screen("box/side: /bin/sh · running");
    pty.write(format!("{marker}2 &\r").as_bytes());
    running(&kc, "box", "side", &marker, 1);
    pty.write(CTRL_P);
    pty.write(CTRL_Q);
    pty.wait_screen_without("TERMINAL");
    pty.write(b"x");
    pty.wait_screen("still runs");
    pty.write(b"y");
    pty.wait_screen("killed, 137");
    let left = gone(&kc, "box", "side", &marker, 15);
    assert!(left.is_empty(), "x left {left:?}");
    pty.write(b"x");
    pty.wait_screen_without("box/side: /bin/sh");
    split_broadcast_and_transcript(&mut pty, &kc, &state, &marker);
    // q kills every exec and what it started.
    pty.write(b"q");
    pty.wait_screen("2 exec(s) still run");
    pty.write(b"y");
    assert_eq!(pty.wait(), Some(0));
    for ((pod, container), before) in pods.iter().zip(&before) {
        let left = gone(&kc, pod, container, &marker, 15);
        assert!(left.is_empty(), "q left {left:?} in {pod}/{container}");
        let shells: Vec<i32> = host_pids(&kc, pod, container, "/bin/sh")
            .into_iter()
            .filter(|p| !before.contains(p))
            .collect();
        assert!(
            shells.is_empty(),
            "q left shells {shells:?} in {pod}/{container}"
        );
    }
}

/// A hang-up of the console's terminal ends its tabs' execs and what they started.
#[test]
fn a_hang_up_of_the_console_on_a_cluster_leaves_no_process() {
    let Some(kc) = kubeconfig() else { return };
    let state = fresh_dir("hang-up");
    let mut pty = console(&kc, &state, 30, 120);
    let marker = format!("sleep {}6", unique());
    pty.write(b"jj\r");
    pty.wait_screen("1:● box2/box: /bin/sh");
    pty.wait_screen("/ #");
    pty.write(format!("{marker}1 & sh -c '{marker}2 & wait' &\r").as_bytes());
    running(&kc, "box2", "box", &marker, 2);
    pty.hang_up();
    let _ = pty.wait();
    let left = gone(&kc, "box2", "box", &marker, 15);
    assert!(left.is_empty(), "a hang-up left {left:?}");
}

/// box2/box opened beside box/box, both marked: one line typed once reaches both, and the
/// transcript of the one in front names the pod.
fn split_broadcast_and_transcript(
    pty: &mut Pty,
    kc: &PathBuf,
    state: &std::path::Path,
    marker: &str,
) {
    // box2/box beside box/box, both marked: one line typed once reaches both.
    pty.write(b"j\r");
    pty.wait_screen("box2/box: /bin/sh · running");
    pty.wait_screen("/ #");
    pty.write(format!("{marker}3 &\r").as_bytes());
    running(kc, "box2", "box", marker, 1);
    pty.write(CTRL_P);
    pty.write(b"|");
    pty.write(CTRL_P);
    pty.write(CTRL_Q);
    pty.wait_screen_without("TERMINAL");
    pty.write(b"m[mb");
    pty.wait_screen("BROADCAST 2");
    pty.write(b"echo bc-$((6*7))\r");
    let deadline = Instant::now() + Duration::from_secs(20);
    while pty.screen().matches("bc-42").count() < 2 {
        assert!(
            Instant::now() < deadline,
            "the line reached one pane:\n{}",
            pty.screen()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let screen = pty.screen();
    assert!(
        pane_size(&screen, "box/box: /bin/sh").is_some()
            && pane_size(&screen, "box2/box: /bin/sh").is_some(),
        "side by side:\n{screen}"
    );
    pty.write(CTRL_P);
    pty.write(CTRL_Q);
    pty.wait_screen_without("BROADCAST");
    pty.write(b"t");
    pty.wait_screen("transcript saved to");
    let dir = state.join("execmux/transcripts");
    let text = std::fs::read_dir(&dir)
        .expect("transcripts directory")
        .filter_map(Result::ok)
        .find_map(|e| {
            let t = std::fs::read_to_string(e.path()).ok()?;
            t.contains("bc-42").then_some(t)
        })
        .expect("a transcript with the broadcast line");
    for want in [
        "# namespace: default\n",
        "# backend: kubernetes context ",
        "# pod: ",
        "# node: localhost\n",
        "# tty: true\n",
    ] {
        assert!(text.contains(want), "{want:?} in:\n{text}");
    }
}
