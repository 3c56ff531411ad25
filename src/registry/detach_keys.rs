//! Docker's detach-key syntax: a comma-separated list where each item is one ASCII
//! character, `ctrl-` with one of `a`-`z`, `@`, `[`, `\`, `]`, `^`, `_`, or `DEL`.

/// Docker's default, `ctrl-p,ctrl-q`.
pub const DEFAULT: &str = "ctrl-p,ctrl-q";

/// A rejected detach-key spec; the message lists the valid forms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid detach keys ({0}): use a comma-separated list of single characters, ctrl-a..ctrl-z, ctrl-@, ctrl-[, ctrl-\\, ctrl-], ctrl-^, ctrl-_ or DEL"
)]
pub struct InvalidDetachKeys(pub String);

/// Parses a spec into the byte sequence that detaches.
pub fn parse(spec: &str) -> Result<Vec<u8>, InvalidDetachKeys> {
    let bad = || InvalidDetachKeys(spec.to_owned());
    if spec.is_empty() {
        return Err(bad());
    }
    spec.split(',')
        .map(|item| {
            let bytes = item.as_bytes();
            match bytes {
                [b] if b.is_ascii() => Ok(*b),
                _ if item == "DEL" => Ok(127),
                [b'c', b't', b'r', b'l', b'-', k] => match k {
                    b'a'..=b'z' => Ok(k - b'a' + 1),
                    b'@' => Ok(0),
                    b'[' => Ok(27),
                    b'\\' => Ok(28),
                    b']' => Ok(29),
                    b'^' => Ok(30),
                    b'_' => Ok(31),
                    _ => Err(bad()),
                },
                _ => Err(bad()),
            }
        })
        .collect()
}

/// Watches typed bytes for the detach sequence. Bytes that could begin the sequence are
/// held back; if the sequence does not complete they are passed on as typed.
#[derive(Debug, Clone)]
pub struct Matcher {
    keys: Vec<u8>,
    held: usize,
}

/// What to do with a chunk of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// Send these bytes to the exec (possibly none while a prefix is held).
    Forward(Vec<u8>),
    /// The sequence completed: send `before` first, then detach; the rest is dropped.
    Detach { before: Vec<u8> },
}

impl Matcher {
    pub fn new(keys: Vec<u8>) -> Self {
        Self { keys, held: 0 }
    }

    /// Feeds typed bytes.
    pub fn scan(&mut self, input: &[u8]) -> Scan {
        let mut out = Vec::with_capacity(input.len());
        for &b in input {
            if self.keys.is_empty() {
                out.push(b);
                continue;
            }
            if b == self.keys[self.held] {
                self.held += 1;
                if self.held == self.keys.len() {
                    self.held = 0;
                    return Scan::Detach { before: out };
                }
                continue;
            }
            // Mismatch: of the held bytes and this one, keep the longest tail that still
            // begins the sequence (`a,a,b` typed as `aaab` detaches) and release the rest.
            let mut window = self.keys[..self.held].to_vec();
            window.push(b);
            let keep = (0..window.len())
                .rev()
                .find(|&k| window[window.len() - k..] == self.keys[..k])
                .unwrap_or(0);
            out.extend_from_slice(&window[..window.len() - keep]);
            self.held = keep;
        }
        Scan::Forward(out)
    }

    /// Bytes held back so far (to send when input ends).
    pub fn flush(&mut self) -> Vec<u8> {
        let held = self.keys[..self.held].to_vec();
        self.held = 0;
        held
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_detaches_and_forwards_incomplete_prefixes() {
        let mut m = Matcher::new(vec![16, 17]);
        assert_eq!(m.scan(b"ab"), Scan::Forward(b"ab".to_vec()));
        assert_eq!(m.scan(&[16]), Scan::Forward(vec![]), "prefix held");
        assert_eq!(m.scan(&[17, b'z']), Scan::Detach { before: vec![] });
        assert_eq!(
            m.scan(&[b'x', 16, b'y']),
            Scan::Forward(vec![b'x', 16, b'y']),
            "prefix then other key"
        );
        assert_eq!(
            m.scan(&[16, 16, 17]),
            Scan::Detach { before: vec![16] },
            "doubled first key"
        );
        assert_eq!(m.scan(&[b'q', 16]), Scan::Forward(vec![b'q']));
        assert_eq!(m.flush(), vec![16]);
        let mut one = Matcher::new(vec![b'~']);
        assert_eq!(
            one.scan(b"ab~cd"),
            Scan::Detach {
                before: b"ab".to_vec()
            }
        );
        let mut none = Matcher::new(vec![]);
        assert_eq!(none.scan(b"x"), Scan::Forward(b"x".to_vec()));
    }

    /// Keys, typed bytes, what is sent on (before a detach, when there is one), and
    /// whether the chunk detaches (the bytes after the sequence are dropped).
    #[test]
    fn matcher_table_rescans_after_a_partial_match() {
        type Case = (&'static [u8], &'static [u8], &'static [u8], bool);
        let cases: &[Case] = &[
            (b"aab", b"aaab", b"a", true),
            (b"aab", b"aaaab", b"aa", true),
            (b"aab", b"abaab", b"ab", true),
            (b"aab", b"aac", b"aac", false),
            (b"abab", b"abaabab", b"aba", true),
            (b"abab", b"ababab", b"", true),
            (b"abc", b"ababc", b"ab", true),
            (b"abc", b"abx", b"abx", false),
            (b"aa", b"xaaa", b"x", true),
            (b"ab", b"aab", b"a", true),
        ];
        for (keys, input, out, detaches) in cases {
            let mut m = Matcher::new(keys.to_vec());
            let got = m.scan(input);
            match detaches {
                true => assert_eq!(
                    got,
                    Scan::Detach {
                        before: out.to_vec()
                    },
                    "keys {keys:?} input {input:?}"
                ),
                false => assert_eq!(
                    got,
                    Scan::Forward(out.to_vec()),
                    "keys {keys:?} input {input:?}"
                ),
            }
        }
        // Byte by byte gives the same as one chunk, and what was held comes out on flush.
        let mut m = Matcher::new(b"aab".to_vec());
        let mut sent = Vec::new();
        for b in b"aaa" {
            if let Scan::Forward(f) = m.scan(&[*b]) {
                sent.extend(f);
            }
        }
        assert_eq!(sent, b"a");
        assert_eq!(m.scan(b"b"), Scan::Detach { before: vec![] });
        let mut m = Matcher::new(b"aab".to_vec());
        assert_eq!(m.scan(b"xaa"), Scan::Forward(b"x".to_vec()));
        assert_eq!(m.flush(), b"aa");
    }

    #[test]
    fn table() {
        let cases: &[(&str, Option<&[u8]>)] = &[
            ("ctrl-p,ctrl-q", Some(&[16, 17])),
            ("ctrl-a", Some(&[1])),
            ("ctrl-z", Some(&[26])),
            ("ctrl-@", Some(&[0])),
            (
                "ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_",
                Some(&[27, 28, 29, 30, 31]),
            ),
            ("DEL", Some(&[127])),
            ("a", Some(b"a")),
            ("a,b,c", Some(b"abc")),
            (",", None), // two empty items
            ("", None),
            ("ctrl-", None),
            ("ctrl-A", None),
            ("CTRL-a", None),
            ("a,,b", None),
            ("ctrl-p,", None),
            ("ctrl-p, ctrl-q", None), // no trimming
            ("é", None),
            ("ab", None),
            ("del", None),
            ("ctrl-1", None),
        ];
        for (spec, want) in cases {
            assert_eq!(parse(spec).ok().as_deref(), *want, "{spec:?}");
        }
    }

    #[test]
    fn message_names_the_spec_and_valid_forms() {
        let e = parse("ctrl-A").expect_err("invalid");
        assert!(e.to_string().starts_with("invalid detach keys (ctrl-A)"));
        assert!(e.to_string().contains("ctrl-a..ctrl-z"));
    }
}
