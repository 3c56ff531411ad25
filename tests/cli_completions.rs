//! `execmux completions SHELL` and `execmux man` from the built binary: the bash script
//! loads and completes in a real bash, zsh and fish scripts name the subcommands, the man
//! pages are roff, and a shell clap does not know is a usage error.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clap::CommandFactory;
use execmux::cli::Cli;

const BIN: &str = env!("CARGO_BIN_EXE_execmux");

fn execmux(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run execmux")
}

fn stdout_of(args: &[&str]) -> String {
    let out = execmux(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "execmux {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Loads the bash script into a fresh bash, finds the function it registered with
/// `complete -F`, and calls it as bash would for the command line `words` with the cursor at
/// the end of the last word; returns what it offered, one per line.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = r#"
set -u
eval "$("$EXECMUX" completions bash)"
spec=$(complete -p execmux) || { echo "no completion registered" >&2; exit 3; }
func=$(printf '%s\n' "$spec" | sed -n 's/.*-F \([^ ]*\).*/\1/p')
[ -n "$func" ] || { echo "no -F function in: $spec" >&2; exit 4; }
read -r -a COMP_WORDS <<< "$WORDS"
case "$WORDS" in *" ") COMP_WORDS+=("") ;; esac
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$WORDS"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$func" execmux "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script])
        .env("EXECMUX", BIN)
        .env("WORDS", words.join(" "))
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "bash for {words:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_script_registers_and_completes_subcommands() {
    let offered = bash_complete(&["execmux", "e"]);
    let mut sorted = offered.clone();
    sorted.sort();
    assert_eq!(sorted, ["exec", "execs"], "offered for `execmux e`");
}

#[test]
fn bash_offers_no_hidden_subcommand() {
    let offered = bash_complete(&["execmux", "s"]);
    assert!(
        offered.iter().all(|w| w != "sandbox-guard"),
        "hidden subcommand offered: {offered:?}"
    );
    let all = bash_complete(&["execmux", ""]);
    for name in ["demo", "ps", "execs", "exec", "completions", "man"] {
        assert!(all.iter().any(|w| w == name), "{name} missing: {all:?}");
    }
    assert!(all.iter().all(|w| w != "sandbox-guard"), "{all:?}");
}

#[test]
fn bash_completes_shell_names_and_exec_flags() {
    let shells = bash_complete(&["execmux", "completions", ""]);
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        assert!(shells.iter().any(|w| w == shell), "{shell}: {shells:?}");
    }
    let flags = bash_complete(&["execmux", "exec", "--de"]);
    assert_eq!(flags, ["--detach-keys"]);
}

#[test]
fn zsh_and_fish_scripts_name_the_subcommands() {
    let zsh = stdout_of(&["completions", "zsh"]);
    let fish = stdout_of(&["completions", "fish"]);
    assert!(zsh.starts_with("#compdef execmux"), "zsh: no #compdef line");
    assert!(
        fish.contains("complete -c execmux"),
        "fish: no `complete -c execmux`"
    );
    for name in ["exec", "execs", "ps", "demo", "completions", "man"] {
        // zsh describes each as 'NAME:about', fish offers each with -a "NAME".
        assert!(
            zsh.contains(&format!("\n'{name}:")),
            "zsh: {name} not offered"
        );
        assert!(
            fish.contains(&format!(" -a \"{name}\" ")),
            "fish: {name} not offered"
        );
    }
    assert!(!zsh.contains("sandbox-guard"), "zsh: hidden subcommand");
    assert!(!fish.contains("sandbox-guard"), "fish: hidden subcommand");
}

/// The page's first macro (after the string definitions every clap page opens with) is
/// `.TH NAME 1`.
fn assert_title(page: &str, name: &str) {
    let first = page
        .lines()
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el ") && !l.starts_with(".\\\""))
        .unwrap_or_default();
    assert!(
        first.starts_with(&format!(".TH {name} 1")),
        "{name}: first macro is {first:?}"
    );
}

#[test]
fn man_prints_one_roff_page_listing_the_subcommands() {
    let page = stdout_of(&["man"]);
    assert!(
        page.starts_with('.'),
        "not roff: {:?}",
        &page[..page.len().min(40)]
    );
    assert_title(&page, "execmux");
    assert!(page.contains(".SH SUBCOMMANDS"), "no SUBCOMMANDS section");
    for name in ["exec", "execs", "ps", "demo", "completions", "man"] {
        assert!(
            page.contains(&format!("execmux\\-{name}(1)")),
            "{name} not listed"
        );
    }
    assert!(!page.contains("sandbox"), "hidden subcommand in the page");
    assert!(
        page.contains("CONTAINERD_ADDRESS"),
        "environment section missing"
    );
}

/// A directory of its own under the system temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("execmux-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn page(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn man_out_writes_a_page_per_subcommand() {
    let tmp = TempDir::new("man");
    let dir = tmp.0.join("man1");
    let listed = stdout_of(&["man", "--out", dir.to_str().expect("utf-8 temp path")]);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("read the page directory")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    // One page per subcommand `--help` lists (so none for `help` or hidden ones), and the main.
    let mut expected: Vec<String> = Cli::command()
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| format!("execmux-{}.1", s.get_name()))
        .chain(["execmux.1".to_owned()])
        .collect();
    expected.sort();
    assert!(expected.len() >= 7, "{expected:?}");
    assert_eq!(files, expected);
    assert_eq!(
        listed.lines().count(),
        expected.len(),
        "paths printed: {listed}"
    );
    for file in &expected {
        assert!(
            listed.contains(&*dir.join(file).to_string_lossy()),
            "{file} not printed"
        );
        assert_title(&page(&dir, file), file.trim_end_matches(".1"));
    }
    let exec = page(&dir, "execmux-exec.1");
    assert!(
        exec.contains("detach\\-keys"),
        "exec page lacks its options"
    );
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let out = execmux(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "printed a script anyway");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
    assert!(err.contains("bash"), "possible values not listed: {err}");
}
