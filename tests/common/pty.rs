//! A pseudo-terminal for running the real binary as a user would in a terminal.

use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use execmux::session::emulator::Emulator;
use rustix::termios::{Termios, Winsize, tcgetattr, tcsetwinsize};

pub struct Pty {
    master: std::fs::File,
    pub child: Child,
    output: Arc<Mutex<Vec<u8>>>,
    /// The screen as a terminal would show it, fed by the reader thread.
    screen: Arc<Mutex<Emulator>>,
}

fn winsize(rows: u16, cols: u16) -> Winsize {
    Winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    }
}

impl Pty {
    /// Spawns `cmd` with its stdin, stdout and stderr on a new pty of `rows` x `cols`.
    pub fn spawn(mut cmd: Command, rows: u16, cols: u16) -> Self {
        let ws = nix::pty::Winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let pty = nix::pty::openpty(Some(&ws), None).expect("openpty");
        let slave: OwnedFd = pty.slave;
        let dup = || Stdio::from(slave.try_clone().expect("dup slave"));
        let child = cmd
            .stdin(dup())
            .stdout(dup())
            .stderr(dup())
            .spawn()
            .expect("spawn in pty");
        drop(slave);
        let master = std::fs::File::from(pty.master);
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().expect("clone master");
        let sink = Arc::clone(&output);
        let screen = Arc::new(Mutex::new(Emulator::new(rows, cols, 0)));
        let screen_sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
                screen_sink.lock().unwrap().feed(&buf[..n]);
            }
        });
        Self {
            master,
            child,
            output,
            screen,
        }
    }

    pub fn attrs(&self) -> Termios {
        tcgetattr(self.master.as_fd()).expect("tcgetattr")
    }

    pub fn write(&mut self, bytes: &[u8]) {
        self.master.write_all(bytes).expect("write to pty");
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output.lock().unwrap()).into_owned()
    }

    /// Waits until the output holds `needle` (10 s at most).
    pub fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.text();
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in pty output: {text:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The screen's text now.
    pub fn screen(&self) -> String {
        self.screen.lock().unwrap().screen_text()
    }

    /// Waits until the screen shows `needle` (20 s at most); returns the screen.
    pub fn wait_screen(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "no {needle:?} on the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits until the screen no longer shows `needle` (10 s at most).
    pub fn wait_screen_without(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.screen().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "{needle:?} stays on the screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Resizes the pty and signals the child, as a terminal emulator does.
    pub fn resize(&self, rows: u16, cols: u16) {
        self.screen.lock().unwrap().resize(rows, cols);
        tcsetwinsize(self.master.as_fd(), winsize(rows, cols)).expect("resize pty");
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGWINCH).expect("SIGWINCH");
    }

    /// Waits for the child's exit status (30 s at most: a loaded machine is slow).
    pub fn wait(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                return st.code();
            }
            assert!(
                Instant::now() < deadline,
                "execmux did not exit; its screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Pty {
    /// A test that fails half-way does not leave its console running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
