//! A pseudo-terminal for running the real binary as a user would in a terminal.

use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use execmux::session::emulator::Emulator;
use rustix::termios::{Termios, Winsize, tcgetattr, tcsetwinsize};

pub struct Pty {
    /// None once the test hung up (closed the terminal).
    master: Option<std::fs::File>,
    /// The terminal's attributes before the program could change them.
    initial: Termios,
    /// Tells the reader thread to close its end too.
    hung_up: Arc<std::sync::atomic::AtomicBool>,
    /// Set by the reader thread when it has read the last byte (EOF or EIO).
    read_all: Arc<std::sync::atomic::AtomicBool>,
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
        // Neither end is inherited as such (by the child, or by children of other tests):
        // the terminal hangs up when the test closes it.
        for fd in [&pty.master, &pty.slave] {
            nix::fcntl::fcntl(
                fd,
                nix::fcntl::FcntlArg::F_SETFD(nix::fcntl::FdFlag::FD_CLOEXEC),
            )
            .expect("cloexec");
        }
        let initial = tcgetattr(pty.master.as_fd()).expect("tcgetattr");
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
        let hung_up = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let hang = Arc::clone(&hung_up);
        let read_all = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = Arc::clone(&read_all);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                // Poll, so that a hang-up closes this end too (the terminal is then gone).
                let mut fds = [nix::poll::PollFd::new(
                    reader.as_fd(),
                    nix::poll::PollFlags::POLLIN,
                )];
                let ready = nix::poll::poll(&mut fds, nix::poll::PollTimeout::from(50u16));
                if hang.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                if !matches!(ready, Ok(n) if n > 0) {
                    continue;
                }
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
                screen_sink.lock().unwrap().feed(&buf[..n]);
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        Self {
            master: Some(master),
            initial,
            hung_up,
            read_all,
            child,
            output,
            screen,
        }
    }

    fn master(&self) -> &std::fs::File {
        self.master.as_ref().expect("the terminal was hung up")
    }

    /// The attributes the terminal had before the program started.
    pub fn initial_attrs(&self) -> Termios {
        self.initial.clone()
    }

    pub fn attrs(&self) -> Termios {
        tcgetattr(self.master().as_fd()).expect("tcgetattr")
    }

    pub fn write(&mut self, bytes: &[u8]) {
        let mut m = self.master();
        m.write_all(bytes).expect("write to pty");
    }

    /// Writes `bytes` from a thread of its own, as a terminal emulator sends a long paste:
    /// a program that stops reading its terminal makes `wait_written` fail within its
    /// bound rather than block the test forever.
    pub fn write_behind(&self, bytes: Vec<u8>) -> std::sync::mpsc::Receiver<()> {
        let mut m = self.master().try_clone().expect("dup the pty master");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            if m.write_all(&bytes).is_ok() {
                let _ = tx.send(());
            }
        });
        rx
    }

    /// Closes the terminal as a dropped ssh session or a killed terminal emulator does:
    /// every end of the master side is closed, so the program reads EOF/EIO and its writes
    /// fail. No signal is sent.
    pub fn hang_up(&mut self) {
        self.hung_up
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.master = None;
    }

    /// The child's pid.
    pub fn pid(&self) -> nix::unistd::Pid {
        nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).expect("pid"))
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

    /// Reads the screen's emulator (cells, styles, cursor) under its lock.
    pub fn with_screen<R>(&self, f: impl FnOnce(&Emulator) -> R) -> R {
        f(&self.screen.lock().unwrap())
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
        tcsetwinsize(self.master().as_fd(), winsize(rows, cols)).expect("resize pty");
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGWINCH).expect("SIGWINCH");
    }

    /// Waits for the child's exit status (30 s at most: a loaded machine is slow), and for
    /// the reader to have taken everything it wrote before exiting (the terminal's last
    /// bytes are what tests of the restored terminal read).
    pub fn wait(&mut self) -> Option<i32> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(st) = self.child.try_wait().expect("try_wait") {
                let drained = Instant::now() + Duration::from_secs(5);
                while !self.read_all.load(std::sync::atomic::Ordering::SeqCst)
                    && self.master.is_some()
                    && Instant::now() < drained
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
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
