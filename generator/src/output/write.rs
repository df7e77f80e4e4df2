//! Writing files of the site safely: into a folder an earlier build left, without following
//! a link out of it or changing a file linked elsewhere; and over the files of a site being
//! served, so that a reader gets the whole old file or the whole new one.

use std::path::Path;

use anyhow::Context as _;
use rayon::prelude::*;

use super::Output;

/// Whether `path` is a folder itself, not a link to one.
pub(super) fn is_folder(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_dir())
}

/// Whether something other than a folder is at `path`: a file, a link, a device.
pub(super) fn is_non_folder(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|metadata| !metadata.is_dir())
}

pub(super) fn remove_any(path: &Path) -> std::io::Result<()> {
    if is_folder(path) {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
}

/// Writes `bytes` at `path` below `root`, unless it already holds them. In a folder an
/// earlier build left (`recycled`), a file there is written over in place, unless another
/// name links to it (a copy of an old site made with `cp -l`, or the site being served, below)
/// must not change; whatever else is in the way (a file where a folder goes, a folder where a
/// file goes, a link) is removed first.
///
/// `live` is the same file in the site being served, the last build's: where it holds these
/// bytes already, it is linked here instead of written (a second name for the same file, on
/// the same disk). Most of a site is the same from one build to the next, and a build then
/// writes only what changed: reading a file costs a small part of making one. Neither build
/// ever writes into a file the other has: one that is linked is replaced, not written over.
pub(super) fn write_file(
    root: &Path,
    path: &Path,
    bytes: &[u8],
    recycled: bool,
    live: Option<&Path>,
) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        if let Err(error) = std::fs::create_dir_all(parent) {
            if !recycled {
                return Err(error);
            }
            // Another thread writing below the same folder may remove the same file first.
            for ancestor in parent.ancestors().take_while(|ancestor| *ancestor != root) {
                if is_non_folder(ancestor) {
                    match std::fs::remove_file(ancestor) {
                        Err(error) if is_non_folder(ancestor) => return Err(error),
                        _ => {}
                    }
                }
            }
            std::fs::create_dir_all(parent)?;
        }
    }
    // What is there: nothing, a file (with bytes of its own), or something else, removed.
    let mut there = None;
    if recycled {
        match open_file(path) {
            Ok(Some(mut file)) => {
                let metadata = file.metadata()?;
                if holds(&mut file, &metadata, bytes) {
                    return Ok(());
                }
                there = Some((file, metadata));
            }
            Ok(None) => {}
            Err(_) => remove_any(path)?,
        }
    }
    if let Some((live, identity)) = live.and_then(|live| Some((live, file_holding(live, bytes)?))) {
        if there.take().is_some() {
            std::fs::remove_file(path)?;
        }
        if std::fs::hard_link(live, path).is_ok() {
            // The very file that was read, not whatever took its name since.
            if std::fs::symlink_metadata(path).is_ok_and(|metadata| same_identity(&metadata, identity)) {
                return Ok(());
            }
            remove_any(path)?;
        }
    }
    match there {
        Some((mut file, metadata)) if !linked_elsewhere(&metadata) => {
            std::io::Seek::rewind(&mut file)?;
            std::io::Write::write_all(&mut file, bytes)?;
            let length = bytes.len() as u64;
            if metadata.len() > length {
                file.set_len(length)?;
            }
            Ok(())
        }
        Some(_) => {
            std::fs::remove_file(path)?;
            write_new(path, bytes)
        }
        None => write_new(path, bytes),
    }
}

/// Writes `bytes` into a new file at `path`, never through a name already there (a file
/// another folder shares, a link): whatever took the name is removed first.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let create = || {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
        options.open(path)
    };
    let mut file = match create() {
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            remove_any(path)?;
            create()?
        }
        other => other?,
    };
    std::io::Write::write_all(&mut file, bytes)
}

/// The regular file at `path`, opened to read and write without following a link; `None`
/// where there is nothing; an error for anything else (a folder, a link).
fn open_file(path: &Path) -> std::io::Result<Option<std::fs::File>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    match options.open(path) {
        Ok(file) if file.metadata()?.is_file() => Ok(Some(file)),
        Ok(_) => Err(std::io::Error::other("not a file")),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// Whether `file` holds exactly `bytes`.
fn holds(file: &mut std::fs::File, metadata: &std::fs::Metadata, bytes: &[u8]) -> bool {
    if metadata.len() != bytes.len() as u64 {
        return false;
    }
    let mut found = Vec::with_capacity(bytes.len());
    std::io::Read::read_to_end(file, &mut found).is_ok() && found == bytes
}

/// Which file it is: (device, inode) on Unix.
type Identity = (u64, u64);

/// The identity of the regular file at `path` (opened without following a link) if it
/// holds exactly `bytes`.
#[cfg(unix)]
fn file_holding(path: &Path, bytes: &[u8]) -> Option<Identity> {
    use std::os::unix::fs::MetadataExt as _;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let mut file = options.open(path).ok()?;
    let metadata = file.metadata().ok()?;
    (metadata.is_file() && holds(&mut file, &metadata, bytes)).then(|| (metadata.dev(), metadata.ino()))
}

#[cfg(not(unix))]
fn file_holding(_: &Path, _: &[u8]) -> Option<Identity> {
    None
}

#[cfg(unix)]
fn same_identity(metadata: &std::fs::Metadata, identity: Identity) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    metadata.is_file() && (metadata.dev(), metadata.ino()) == identity
}

#[cfg(not(unix))]
fn same_identity(_: &std::fs::Metadata, _: Identity) -> bool {
    false
}

#[cfg(unix)]
fn linked_elsewhere(metadata: &std::fs::Metadata) -> bool {
    std::os::unix::fs::MetadataExt::nlink(metadata) > 1
}

#[cfg(not(unix))]
fn linked_elsewhere(_: &std::fs::Metadata) -> bool {
    false
}

/// Writes `outputs` over the files of a site being served, each to a temporary file beside it
/// that is then renamed over it: a reader gets the whole old file or the whole new one.
pub(crate) fn replace_files(root: &Path, outputs: &[Output]) -> anyhow::Result<()> {
    outputs.par_iter().try_for_each(|output| {
        let path = root.join(&output.path);
        let name = path.file_name().context("an output without a file name")?.to_string_lossy().to_string();
        let temporary = path.with_file_name(format!(".{name}.mektep-new"));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&temporary, &output.bytes).with_context(|| format!("writing {}", temporary.display()))?;
        std::fs::rename(&temporary, &path).with_context(|| format!("replacing {}", path.display()))
    })
}
