//! Shell completions and man pages for the shipped binaries, generated from
//! their clap definitions so they can never drift from the flags.
//!
//! For a binary, [`write`] creates under `out`:
//!
//! - `completions/`: `<bin>.bash`, `_<bin>` (zsh), `<bin>.fish`,
//!   `_<bin>.ps1` (PowerShell), `<bin>.elv` (Elvish);
//! - `man/`: `<bin>.1`, and `<bin>-<subcommand>.1` for each subcommand.

use std::io;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

/// The binaries a release ships, by name.
pub const BINARIES: [&str; 3] = ["comwit-deploy", "comwit-tui", "comwit-sandbox"];

/// The clap command behind `binary`, or `None` for a name we don't ship.
pub fn command(binary: &str) -> Option<clap::Command> {
    match binary {
        "comwit-deploy" => Some(comwit_deploy_action::inputs::Inputs::command()),
        "comwit-tui" => Some(comwit_tui::cli::Cli::command()),
        "comwit-sandbox" => Some(comwit_sandbox::cli::Cli::command()),
        _ => None,
    }
}

/// The completion scripts and main man page [`write`] creates for
/// `binary`, relative to its `out` (subcommands add their own pages).
pub fn main_files(binary: &str) -> Vec<String> {
    vec![
        format!("completions/{binary}.bash"),
        format!("completions/_{binary}"),
        format!("completions/{binary}.fish"),
        format!("completions/_{binary}.ps1"),
        format!("completions/{binary}.elv"),
        format!("man/{binary}.1"),
    ]
}

/// Writes `binary`'s completions and man pages under `out`; returns the
/// files written.
pub fn write(binary: &str, out: &Path) -> io::Result<Vec<PathBuf>> {
    let mut cmd = command(binary).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{binary:?} is not a shipped binary (one of {BINARIES:?})"),
        )
    })?;
    let completions = out.join("completions");
    let man = out.join("man");
    std::fs::create_dir_all(&completions)?;
    std::fs::create_dir_all(&man)?;
    let mut written = Vec::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
        written.push(clap_complete::generate_to(
            shell,
            &mut cmd,
            binary,
            &completions,
        )?);
    }
    clap_mangen::generate_to(cmd, &man)?;
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&man)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    pages.sort();
    written.extend(pages);
    Ok(written)
}
