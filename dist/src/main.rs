//! `comwit-dist docs <binary> <out-dir>`: a shipped binary's shell
//! completions and man pages, for the release archives.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;

#[derive(Parser)]
#[command(
    name = "comwit-dist",
    about = "Release tooling for the Comwit binaries"
)]
enum Cli {
    /// Write a binary's shell completions and man pages.
    Docs {
        /// comwit-deploy, comwit-tui or comwit-sandbox.
        binary: String,
        /// Directory to write `completions/` and `man/` into.
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    let Cli::Docs { binary, out } = Cli::parse();
    match comwit_dist::write(&binary, &out) {
        Ok(files) => {
            for f in files {
                println!("{}", f.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("comwit-dist: {e}");
            ExitCode::FAILURE
        }
    }
}
