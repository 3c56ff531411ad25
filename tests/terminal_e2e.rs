//! The tab's terminal as programs meet it, through the real console in a pty: a program
//! that waits for a cursor-position reply gets one (from the terminal's own state), and a
//! mouse click reaches a program that asked for mouse reports, and a keypad key reaches a
//! program in application keypad mode as the keypad's own sequence.

mod common;

use common::pty::Pty;

/// Opens a shell tab on the only container; returns once the shell answers.
async fn shell(ctx: &common::Ctx) -> Pty {
    ctx.sleeper("box").await;
    let mut pty = Pty::spawn(ctx.execmux(), 30, 140);
    pty.wait_screen("connected");
    pty.wait_screen(&format!("Containers · {} · 1", ctx.ns));
    pty.write(b"\r");
    pty.wait_screen("/ #");
    pty
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_program_waiting_for_its_cursor_position_gets_it() {
    let ctx = common::ctx("term-dsr").await;
    let mut pty = shell(&ctx).await;
    // Without a reply `head` would wait forever; the reply is ESC [ row ; col R.
    pty.write(
        b"clear; stty -echo -icanon min 1; printf '\\033[6n'; \
          head -c 6 | od -An -c | tr -s ' ' | sed 's/^/REPLY/'; stty sane\r",
    );
    let screen = pty.wait_screen("REPLY 033 [ 1 ;");
    assert!(screen.contains(" R"), "{screen}");
    pty.write(b"exit\r");
    pty.wait_screen("exited 0");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_reaches_a_program_that_asked_for_the_mouse() {
    let ctx = common::ctx("term-mouse").await;
    let mut pty = shell(&ctx).await;
    pty.write(
        b"clear; printf '\\033[?1000h\\033[?1006h'; stty -echo -icanon min 1; \
          head -c 8 | od -An -c | tr -s ' ' | sed 's/^/MOUSE/'; printf '\\033[?1000l'; stty sane\r",
    );
    // Wait until the program has asked (the console then forwards clicks to it).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        // A left click and its release, as the host terminal reports them (SGR), inside
        // the tab's screen on the right half of the window.
        pty.write(b"\x1b[<0;100;12M\x1b[<0;100;12m");
        std::thread::sleep(std::time::Duration::from_millis(200));
        if pty.screen().contains("MOUSE 033 [ <") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no mouse report reached the program:\n{}",
            pty.screen()
        );
    }
    // A click sent after the program read its 8 bytes and before it turned the mouse off
    // reached the shell as typed text: Ctrl-U drops it from the line.
    pty.write(b"\x15exit\r");
    pty.wait_screen("exited 0");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    ctx.leak_check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keypad_key_reaches_a_program_in_application_keypad_mode() {
    let ctx = common::ctx("term-keypad").await;
    let mut pty = shell(&ctx).await;
    // The console asks the host for the kitty keyboard protocol's first level, under which
    // a host tells keypad keys from the main keyboard's.
    assert!(pty.text().contains("\x1b[>1u"), "no keyboard protocol push");
    // DECKPAM, then READY: once READY shows, the tab's terminal has the mode.
    pty.write(
        b"clear; printf '\\033=RE%sDY\\n' A; stty -echo -icanon min 1; \
          head -c 6 | od -An -c | tr -s ' ' | sed 's/^/KEYPAD/'; printf '\\033>'; stty sane\r",
    );
    pty.wait_screen("READY");
    // Keypad 0 and keypad Enter as a kitty-protocol host reports them.
    pty.write(b"\x1b[57399u\x1b[57414u");
    // Read as the main keyboard's keys they would have been "0" and CR.
    pty.wait_screen("KEYPAD 033 O p 033 O M");
    pty.write(b"exit\r");
    pty.wait_screen("exited 0");
    pty.write(b"q");
    assert_eq!(pty.wait(), Some(0));
    assert!(
        pty.text().contains("\x1b[<1u"),
        "the keyboard protocol was not popped"
    );
    ctx.leak_check().await;
}
