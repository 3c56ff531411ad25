use std::time::Duration;

use tokio::sync::mpsc;

use super::*;
use crate::session::emulator::Emulator;
use crate::session::terminal;

#[test]
fn output_without_a_tty_gets_cr_before_lf_and_no_staircase() {
    let mut out = vec![b'x'];
    lf_to_crlf(b"a\nb\r\nc\n", &mut out);
    assert_eq!(out, b"a\r\nb\r\r\nc\r\n");
    let mut emu = Emulator::new(4, 10, 0);
    emu.feed(&out);
    assert_eq!(emu.screen_text(), "a\nb\nc\n");
}

/// The next message of the console, within a bound.
async fn next(rx: &mut mpsc::UnboundedReceiver<Msg>) -> Msg {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .ok()
        .flatten()
        .expect("a message within 10 s")
}

#[tokio::test]
async fn the_task_parses_tells_what_changed_and_ends_after_the_last_output() {
    let (writer, view) = terminal::pair(2, 10, 100);
    let (control, _control_rx) = mpsc::unbounded_channel();
    let (ctl, mut rx) = mpsc::unbounded_channel();
    let tab = TabId(7);
    let (cmds, output) = spawn(tab, writer, control, ctl);
    let _ = cmds.send(TermCmd::Bind {
        replies: None,
        tty: false,
    });
    output
        .send(Fed::Output(b"\x1b]0;t\x07a\r\nb\r\nc\x07".to_vec()))
        .await
        .expect("task alive");
    output
        .send(Fed::Ended(Err("gone".into())))
        .await
        .expect("task alive");
    let Msg::Changed { tab: t, change } = next(&mut rx).await else {
        panic!("changed first")
    };
    assert_eq!(t, tab);
    assert_eq!(
        (
            change.parsed,
            change.bells,
            change.title.as_deref(),
            change.scrolled
        ),
        (14, 1, Some("t"), 1)
    );
    assert!(matches!(next(&mut rx).await, Msg::Ended { tab: t, exit: Err(_) } if t == tab));
    assert!(view.read().screen_text().ends_with('c'));
    // The terminal outlives its exec: a transcript still comes.
    let (done, got) = tokio::sync::oneshot::channel();
    let then = Box::new(move |body: String| {
        let _ = done.send(body);
    });
    let _ = cmds.send(TermCmd::Transcript { sgr: false, then });
    let body = tokio::time::timeout(Duration::from_secs(10), got)
        .await
        .expect("in time")
        .expect("sent");
    assert!(body.contains("a\nb\nc"), "{body:?}");
}

#[tokio::test]
async fn a_resize_reaches_the_emulator_always_and_the_exec_once_bound_with_a_tty() {
    let (writer, view) = terminal::pair(2, 10, 100);
    let (control, mut control_rx) = mpsc::unbounded_channel();
    let (ctl, mut rx) = mpsc::unbounded_channel();
    let (cmds, _output) = spawn(TabId(1), writer, control, ctl);
    let size = |rows, cols| ConsoleSize { rows, cols };
    let _ = cmds.send(TermCmd::Resize(size(3, 20)));
    let Msg::Changed { change, .. } = next(&mut rx).await else {
        panic!("changed")
    };
    assert_eq!((change.size, change.parsed), ((3, 20), 0));
    assert_eq!(view.read().size(), (3, 20));
    assert!(
        control_rx.try_recv().is_err(),
        "not bound: the exec is not told"
    );
    let _ = cmds.send(TermCmd::Bind {
        replies: None,
        tty: true,
    });
    let _ = cmds.send(TermCmd::Resize(size(4, 30)));
    next(&mut rx).await;
    assert_eq!(
        control_rx.try_recv().ok(),
        Some(Control::Resize(size(4, 30)))
    );
}
