use std::io;
use std::path::PathBuf;

use super::inspect::TarProblem;
use super::links::LinkError;

/// Everything that can stop a pack or a prebuilt-archive check.
///
/// Each message names the path involved and ends with what the user can do
/// about it, because these messages are shown verbatim by the CLI and the
/// GitHub Action.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackError {
    #[error(
        "`{}` does not exist — pass the directory that holds the built site, e.g. `./dist`",
        .path.display()
    )]
    RootMissing { path: PathBuf },

    #[error(
        "`{}` is not a directory — pass the directory to pack, or pass a prebuilt `.tar.zst` as the artifact instead",
        .path.display()
    )]
    RootNotDirectory { path: PathBuf },

    #[error(
        "`{}` contains nothing to pack — run the build first, or point at the directory it writes to",
        .path.display()
    )]
    EmptyRoot { path: PathBuf },

    #[error(
        "cannot {action} `{}`: {source} — make it readable by this user, or remove it from the directory",
        .path.display()
    )]
    Unreadable {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error(
        "symlink `{}` points to `{}`, which is outside the packed directory — replace the link with a copy of its target, or make it point inside the directory",
        .link.display(),
        .target.display()
    )]
    SymlinkEscapes { link: PathBuf, target: PathBuf },

    /// A link that only escapes through other links, or loops.
    #[error(
        "symlink `{}` points to `{}`, but {reason} — make the links point inside the directory without going through other links, or replace one with a copy of its target",
        .link.display(),
        .target.display()
    )]
    SymlinkUnsafe {
        link: PathBuf,
        target: PathBuf,
        reason: LinkError,
    },

    /// An entry the platform would refuse (an over-long name, say).
    #[error(
        "`{}` cannot be packed: {reason} — rename or move it, or remove it from the directory",
        .path.display()
    )]
    EntryRefused { path: PathBuf, reason: LinkError },

    #[error(
        "`{}` changed while it was being packed ({what}) — stop whatever is writing to the directory and pack again",
        .path.display()
    )]
    ChangedDuringPack { path: PathBuf, what: &'static str },

    #[error(
        "cannot add `{}` to the archive: {source} — rename it, or remove it from the directory",
        .path.display()
    )]
    Entry {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error(
        "compressing the archive failed: {source} — this is a bug or an out-of-memory condition; retry, and report it if it persists"
    )]
    Compress {
        #[source]
        source: io::Error,
    },

    #[error(
        "writing the archive failed: {source} — check that the destination has free space and accepts writes"
    )]
    Output {
        #[source]
        source: io::Error,
    },

    #[error(
        "cannot write `{}`: {source} — check that its directory exists, is writable and has free space",
        .path.display()
    )]
    Destination {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error(
        "the reader of the archive stream went away before the archive was complete (was the upload cancelled?) — retry the deploy"
    )]
    ConsumerGone,

    #[error(
        "the packing task failed: {message} — this is a bug; retry, and report it if it persists"
    )]
    Task { message: String },

    #[error(
        "prebuilt archive `{}` does not exist — build it first, e.g. `tar --zstd -cf app.tar.zst -C ./dist .`",
        .path.display()
    )]
    PrebuiltMissing { path: PathBuf },

    #[error(
        "prebuilt archive `{}` is not a regular file — pass the `.tar.zst` file itself (to pack a directory, pass the directory as the source instead)",
        .path.display()
    )]
    PrebuiltNotFile { path: PathBuf },

    #[error(
        "`{}` is not zstd-compressed ({found}) — pack it with `tar --zstd -cf app.tar.zst -C ./dist .`",
        .path.display()
    )]
    NotZstd { path: PathBuf, found: String },

    #[error(
        "`{}` is zstd-compressed but is not a tar archive ({detail}) — pack it with `tar --zstd -cf app.tar.zst -C ./dist .`",
        .path.display()
    )]
    NotTar { path: PathBuf, detail: String },

    #[error(
        "prebuilt archive `{}` would be refused by the platform: {problem} — pass the directory instead and let comwit pack it, or rebuild the archive from it",
        .path.display()
    )]
    PrebuiltRefused { path: PathBuf, problem: TarProblem },

    #[error(
        "cannot read prebuilt archive `{}`: {source} — check that it is readable by this user",
        .path.display()
    )]
    PrebuiltUnreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}
