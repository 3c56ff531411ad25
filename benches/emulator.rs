//! Emulator benchmarks: ingest throughput of generated deterministic corpora (LF sent as
//! CRLF, as a tty does) in 16 KiB chunks into a 200x50 emulator with 10k scrollback rows,
//! render of a full 200x50 screen into a Buffer, and the memory of a tab whose ring holds
//! 10k lines of 200 columns, counted by divan's allocation profiler ("max alloc").

use std::sync::LazyLock;

use divan::counter::BytesCount;
use divan::{AllocProfiler, Bencher};
use execmux::session::emulator::Emulator;
use execmux::session::view::TerminalView;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

const ROWS: u16 = 50;
const COLS: u16 = 200;
const SCROLLBACK: usize = 10_000;
const CHUNK: usize = 16 * 1024;
/// Roughly 4 MB per corpus keeps a 10-sample run short.
const TARGET: usize = 4_000_000;

#[allow(clippy::cast_precision_loss)]
fn main() {
    // `EXECMUX_BENCH_PROFILE=seq[:N]` ingests one corpus N times (default 20) and exits:
    // a steady workload for a profiler.
    if let Ok(spec) = std::env::var("EXECMUX_BENCH_PROFILE") {
        let (name, times) = spec.split_once(':').unwrap_or((&spec, "20"));
        let times: usize = times.parse().unwrap_or(20);
        let Some((_, corpus)) = corpora().into_iter().find(|(n, _)| *n == name) else {
            eprintln!("no corpus named {name}");
            std::process::exit(2);
        };
        for _ in 0..times {
            divan::black_box_drop(ingest(corpus));
        }
        return;
    }
    for (name, corpus) in corpora() {
        let emu = ingest(corpus);
        let ring = emu.scrollback();
        println!(
            "{name}: {} bytes, ring {} rows, buffers {:.2} MiB",
            corpus.len(),
            ring.len(),
            mib(ring.memory_bytes())
        );
    }
    let ring_10k = ingest(&RING_10K);
    let ring = ring_10k.scrollback();
    println!(
        "ring of 10k lines x {COLS} columns, colour per character: {} rows, {:.2} MiB \
         ({:.0} bytes a line)",
        ring.len(),
        mib(ring.memory_bytes()),
        ring.memory_bytes() as f64 / ring.line_count().max(1) as f64
    );
    drop(ring_10k);
    divan::main();
}

/// `lines` lines of 200 printable characters, each after its own `ESC[38;5;Nm`.
fn colour_per_char(lines: usize) -> Vec<u8> {
    let mut rng = Rng(0x005e_ed0f_c010_u64);
    let mut out = Vec::with_capacity(lines * 2400);
    for _ in 0..lines {
        for _ in 0..COLS {
            let c = b'!' + u8::try_from(rng.below(94)).unwrap_or(0);
            out.extend_from_slice(format!("\x1b[38;5;{}m", rng.below(256)).as_bytes());
            out.push(c);
        }
        out.extend_from_slice(b"\x1b[m\r\n");
    }
    out
}

static RING_10K: LazyLock<Vec<u8>> = LazyLock::new(|| colour_per_char(SCROLLBACK + 50));

/// A whole tab (engine, screen and ring) after 10k lines of 200 columns with a colour per
/// character scrolled off: divan's "max alloc" is the peak of what it holds.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn tab_memory_10k_lines_colour_per_char(bencher: Bencher) {
    let data: &[u8] = &RING_10K;
    bencher.bench_local(|| {
        let emu = ingest(data);
        assert_eq!(emu.scrollback().len(), SCROLLBACK);
        divan::black_box_drop(emu);
    });
}

/// The ring alone: the emulator is made before the sample and dropped after it, so what
/// divan counts is what ingesting 10k lines of 200 columns with a colour per character
/// allocates and frees. The bytes the ring retains are alloc + grow - dealloc - shrink;
/// `main` prints the ring's own count of its buffers for the same stream beside them.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn ring_10k_lines_colour_per_char(bencher: Bencher) {
    let data: &[u8] = &RING_10K;
    bencher
        .with_inputs(|| Emulator::new(ROWS, COLS, SCROLLBACK))
        .bench_local_values(|mut emu| {
            for chunk in data.chunks(CHUNK) {
                emu.feed(chunk);
            }
            emu
        });
}

#[allow(clippy::cast_precision_loss)]
fn mib(bytes: usize) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// Deterministic pseudo-random numbers (xorshift).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// "1\r\n".."N\r\n".
static SEQ: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut out = Vec::with_capacity(TARGET + 16);
    let mut n = 1_u64;
    while out.len() < TARGET {
        out.extend_from_slice(format!("{n}\r\n").as_bytes());
        n += 1;
    }
    out
});

/// `od -x` style: octal offset and eight 4-digit hex words a line.
static OD: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::with_capacity(TARGET + 64);
    let mut offset = 0_u64;
    while out.len() < TARGET {
        out.extend_from_slice(format!("{offset:07o}").as_bytes());
        for _ in 0..8 {
            out.extend_from_slice(format!(" {:04x}", rng.below(0x1_0000)).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        offset += 16;
    }
    out
});

/// `ESC[38;5;Nm` before each of 100 characters a line.
static SGR: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let mut out = Vec::with_capacity(TARGET + 2048);
    while out.len() < TARGET {
        for _ in 0..100 {
            let c = b'!' + u8::try_from(rng.below(94)).unwrap_or(0);
            out.extend_from_slice(format!("\x1b[38;5;{}m", rng.below(256)).as_bytes());
            out.push(c);
        }
        out.extend_from_slice(b"\x1b[m\r\n");
    }
    out
});

/// 200-column lines of words, some accented or CJK, one word in 16 coloured.
static WIDE: LazyLock<Vec<u8>> = LazyLock::new(|| {
    const WORDS: [&str; 8] = [
        "alpha",
        "beta",
        "gamma",
        "déjà",
        "vu",
        "中文字",
        "テスト",
        "naïve",
    ];
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut out = Vec::with_capacity(TARGET + 1024);
    while out.len() < TARGET {
        let mut cols = 0;
        let mut word = 0;
        loop {
            let w = WORDS[usize::try_from(rng.below(8)).unwrap_or(0)];
            let width: usize = w.chars().map(|c| if c > '\u{2e80}' { 2 } else { 1 }).sum();
            if cols + width + 1 > usize::from(COLS) {
                break;
            }
            if word % 16 == 0 {
                out.extend_from_slice(format!("\x1b[1;3{}m{w}\x1b[m ", word % 7 + 1).as_bytes());
            } else {
                out.extend_from_slice(w.as_bytes());
                out.push(b' ');
            }
            cols += width + 1;
            word += 1;
        }
        out.extend_from_slice(b"\r\n");
    }
    out
});

/// Alternate screen: random cursor moves, colours and 1-100 characters.
static ALT: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut rng = Rng(0x0dd_b1a5_e5ba_d5ee);
    let mut out = b"\x1b[?1049h".to_vec();
    while out.len() < TARGET {
        let (row, col) = (
            rng.below(u64::from(ROWS)) + 1,
            rng.below(u64::from(COLS)) + 1,
        );
        let (fg, bg) = (rng.below(256), rng.below(256));
        out.extend_from_slice(format!("\x1b[{row};{col}H\x1b[38;5;{fg};48;5;{bg}m").as_bytes());
        for _ in 0..=rng.below(100) {
            out.push(b'!' + u8::try_from(rng.below(94)).unwrap_or(0));
        }
    }
    out
});

fn corpora() -> [(&'static str, &'static [u8]); 5] {
    [
        ("seq", &SEQ),
        ("od", &OD),
        ("sgr", &SGR),
        ("wide", &WIDE),
        ("alt", &ALT),
    ]
}

fn ingest(corpus: &[u8]) -> Emulator {
    let mut emu = Emulator::new(ROWS, COLS, SCROLLBACK);
    for chunk in corpus.chunks(CHUNK) {
        emu.feed(chunk);
    }
    emu
}

#[divan::bench(args = ["seq", "od", "sgr", "wide", "alt"], sample_count = 20)]
fn ingest_200x50_sb10k(bencher: Bencher, corpus: &str) {
    let data = corpora()
        .into_iter()
        .find(|(name, _)| *name == corpus)
        .map_or(&[][..], |(_, data)| data);
    bencher
        .counter(BytesCount::new(data.len()))
        .with_inputs(|| Emulator::new(ROWS, COLS, SCROLLBACK))
        .bench_local_values(|mut emu| {
            for chunk in data.chunks(CHUNK) {
                emu.feed(chunk);
            }
            emu
        });
}

/// Render the screen left by a corpus (`+sb`: scrolled back half a screen into the ring).
#[divan::bench(args = ["sgr", "wide", "alt", "wide+sb"])]
fn render_200x50(bencher: Bencher, screen: &str) {
    let (name, back) = screen.split_once('+').map_or((screen, 0), |(n, _)| (n, 25));
    let data = corpora()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map_or(&[][..], |(_, data)| data);
    let emu = ingest(data);
    let mut buf = Buffer::empty(Rect::new(0, 0, COLS, ROWS));
    bencher.bench_local(|| {
        TerminalView::new(&emu)
            .scroll(back)
            .show_cursor(true)
            .render(buf.area, &mut buf);
    });
}
