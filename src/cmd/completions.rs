//! `execmux completions SHELL` and `execmux man`: the shell scripts and roff pages made from
//! the command line's own definition, so they never drift from `--help`.

use std::io::{ErrorKind, Write};
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;
use clap_mangen::Man;

use super::CmdError;
use crate::cli::Cli;

/// The name the scripts complete and the pages are titled with.
const BIN: &str = "execmux";

/// Writes the completion script for `shell` to stdout.
pub fn completions(shell: Shell) -> Result<i32, CmdError> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut visible_command(), BIN, &mut script);
    print(&script)
}

/// Writes the main page to stdout, or with `out` every page into that directory (created if
/// missing), printing each path written.
pub fn man(out: Option<&Path>) -> Result<i32, CmdError> {
    let root = page_tree();
    let Some(dir) = out else {
        let mut page = Vec::new();
        Man::new(root).render(&mut page)?;
        return print(&page);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| CmdError::Usage(format!("cannot create {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    write_pages(&root, dir, &mut written)?;
    let mut list = String::new();
    for path in written {
        list.push_str(&path.display().to_string());
        list.push('\n');
    }
    print(list.as_bytes())
}

/// The full command, built (so subcommands carry their `execmux-NAME` display names and the
/// global options), without the `help` subcommand, which has no page of its own.
fn page_tree() -> clap::Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// One page for `cmd`, then one for each of its visible subcommands, depth first.
fn write_pages(
    cmd: &clap::Command,
    dir: &Path,
    written: &mut Vec<std::path::PathBuf>,
) -> Result<(), CmdError> {
    let man = Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render(&mut page)?;
    // Never through a symlink planted where a page goes, never into a file not ours.
    let path = dir.join(man.get_filename());
    crate::safe_file::rewrite(&path, &page)
        .map_err(|e| CmdError::Usage(format!("cannot write a page: {e}")))?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, written)?;
    }
    Ok(())
}

/// The command as users see it: the root's options and only the subcommands `--help` lists.
/// Completion generators walk every subcommand, hidden or not, so internal ones would
/// otherwise be offered on Tab.
fn visible_command() -> clap::Command {
    let full = Cli::command();
    clap::Command::new(BIN)
        .version(env!("CARGO_PKG_VERSION"))
        .args(full.get_arguments().cloned())
        .subcommands(full.get_subcommands().filter(|s| !s.is_hide_set()).cloned())
}

/// Writes `bytes` to stdout; a reader that went away early (`| head`) is not a failure.
fn print(bytes: &[u8]) -> Result<i32, CmdError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_command_keeps_the_public_subcommands_and_drops_hidden_ones() {
        let full = Cli::command();
        let shown: Vec<_> = visible_command()
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        for sub in full.get_subcommands() {
            assert_eq!(
                shown.iter().any(|n| n == sub.get_name()),
                !sub.is_hide_set(),
                "{}",
                sub.get_name()
            );
        }
        assert!(shown.iter().any(|n| n == "exec"));
    }

    #[test]
    fn visible_command_keeps_the_global_options() {
        let cmd = visible_command();
        for long in [
            "address",
            "namespace",
            "all-namespaces",
            "runtime-dir",
            "print-config",
        ] {
            assert!(
                cmd.get_arguments().any(|a| a.get_long() == Some(long)),
                "--{long}"
            );
        }
    }

    #[test]
    fn page_tree_names_subcommand_pages_after_the_binary() {
        let root = page_tree();
        let exec = root.find_subcommand("exec").expect("exec subcommand");
        assert_eq!(exec.get_display_name(), Some("execmux-exec"));
        assert!(root.find_subcommand("help").is_none());
    }
}
