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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, Option<&[u8]>)] = &[
            ("ctrl-p,ctrl-q", Some(&[16, 17])),
            ("ctrl-a", Some(&[1])),
            ("ctrl-z", Some(&[26])),
            ("ctrl-@", Some(&[0])),
            ("ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_", Some(&[27, 28, 29, 30, 31])),
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
