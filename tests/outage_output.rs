//! Output across containerd restarts is gap-free and byte-exact: a program that counts
//! slowly, once without a tty (`execmux exec`, stdout piped) and once with one (`execmux
//! exec -t` in a pty), runs through a clean stop (SIGTERM) and a crash (SIGKILL) of the
//! daemon; every number arrives exactly once, in order, and the exit code follows. A test
//! binary of its own: it takes the shared daemon away.

mod common;

use std::io::Read;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};

use common::Down;
use common::pty::Pty;
use execmux::domain::{ContainerId, ExecKey};

/// The tests take the shared daemon away: one at a time.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Counts from 1, one number a line, until `/tmp/stop` exists; then `end`, exit 7.
const COUNTER: &str =
    "i=0; while [ ! -e /tmp/stop ]; do i=$((i+1)); echo $i; sleep 0.02; done; echo end; exit 7";

/// The numbers seen so far in `text` (lines of digits, CR and LF as a tty writes them).
fn numbers(text: &str) -> Vec<u64> {
    text.split(['\r', '\n'])
        .filter(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|l| l.parse().ok())
        .collect()
}

/// The counter's whole output: 1..=n with nothing missing or repeated, then `end`. Lines
/// of execmux's own (its stderr shares the pty of the tty exec) are left out.
fn assert_gap_free(what: &str, text: &str) -> u64 {
    let lines: Vec<&str> = text
        .split(['\r', '\n'])
        .filter(|l| !l.is_empty() && !l.starts_with("execmux: "))
        .collect();
    assert_eq!(
        lines.last(),
        Some(&"end"),
        "{what}: the output ends with end"
    );
    let got = numbers(text);
    let n = u64::try_from(got.len()).expect("count");
    assert_eq!(
        lines.len(),
        got.len() + 1,
        "{what}: only numbers and end: {lines:?}"
    );
    let expected: Vec<u64> = (1..=n).collect();
    if got != expected {
        let first_bad = got.iter().zip(&expected).position(|(a, b)| a != b);
        panic!("{what}: a gap or a repeat near index {first_bad:?}: {got:?}");
    }
    n
}

/// `execmux exec` with its stdout collected as it comes.
struct Piped {
    child: Child,
    out: Arc<Mutex<Vec<u8>>>,
}

impl Piped {
    fn spawn(ctx: &common::Ctx, c: &ContainerId) -> Self {
        let mut child = ctx
            .execmux()
            .args(["exec", c.as_str(), "--", "/bin/sh", "-c", COUNTER])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn execmux exec");
        let mut stdout = child.stdout.take().expect("stdout");
        let out = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&out);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("output").extend_from_slice(&buf[..n]);
            }
        });
        Self { child, out }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().expect("output")).into_owned()
    }
}

/// Waits until both counters got `more` numbers past where they were.
async fn both_count_on(piped: &Piped, tty: &Pty, more: usize, when: &str) {
    let (a, b) = (numbers(&piped.text()).len(), numbers(&tty.text()).len());
    let on = common::eventually(20, async || {
        (numbers(&piped.text()).len() >= a + more && numbers(&tty.text()).len() >= b + more)
            .then_some(())
    })
    .await;
    assert!(
        on.is_some(),
        "{when}: the output stopped: pipe {} -> {}, tty {} -> {}",
        a,
        numbers(&piped.text()).len(),
        b,
        numbers(&tty.text()).len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_is_gap_free_through_a_containerd_stop_and_a_crash() {
    let _one = ONE_AT_A_TIME.lock().await;
    let ctx = common::ctx("outage-output").await;
    let c = ctx.sleeper("box").await;
    let init = ctx.rt.task(&ctx.ns, &c).await.expect("task").pid;
    let mut piped = Piped::spawn(&ctx, &c);
    let mut tty_cmd = ctx.execmux();
    tty_cmd.args(["exec", "-t", c.as_str(), "--", "/bin/sh", "-c", COUNTER]);
    let mut tty = Pty::spawn(tty_cmd, 24, 80);
    let execs = common::eventually(10, async || {
        let ids = ctx.exec_pids(&c).await;
        (ids.len() == 2).then_some(ids)
    })
    .await
    .expect("both counters run");
    both_count_on(&piped, &tty, 10, "before the outages").await;
    for how in [Down::Stop, Down::Crash] {
        common::daemon_down(how, async || {
            // The shim holds the FIFOs: the numbers go on while containerd is away.
            both_count_on(&piped, &tty, 25, &format!("during {how:?}")).await;
        })
        .await;
        both_count_on(&piped, &tty, 25, &format!("after {how:?}")).await;
    }
    std::fs::write(format!("/proc/{init}/root/tmp/stop"), b"").expect("touch /tmp/stop");
    let code = common::eventually(20, async || piped.child.try_wait().expect("try_wait"))
        .await
        .expect("execmux exec ends");
    assert_eq!(code.code(), Some(7), "the exit code through the pipe exec");
    assert_eq!(tty.wait(), Some(7), "the exit code through the tty exec");
    let out = common::eventually(5, async || {
        let t = piped.text();
        t.ends_with("end\n").then_some(t)
    })
    .await
    .expect("the pipe output is complete");
    let n_pipe = assert_gap_free("pipe", &out);
    let n_tty = assert_gap_free("tty", &tty.text());
    // The outages were told, between the numbers, each time.
    let told = |needle: &str| tty.text().matches(needle).count();
    assert!(
        told("the exec goes on, reconnecting") >= 2,
        "{}",
        tty.text()
    );
    assert_eq!(told("containerd answers again"), 2, "{}", tty.text());
    eprintln!("gap-free: {n_pipe} numbers through the pipe, {n_tty} through the tty");
    let made: Vec<ExecKey> = execs
        .iter()
        .map(|e| ExecKey {
            namespace: ctx.ns.clone(),
            container: c.clone(),
            exec: e.as_str().into(),
        })
        .collect();
    ctx.assert_no_leaks(&made).await;
}
