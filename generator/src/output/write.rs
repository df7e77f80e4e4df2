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

/// Writes `bytes` at `path` below `root`. In a folder an earlier build left (`recycled`), a
/// file there is written over in place, unless another name links to it (a copy of an old
/// site made with `cp -l` must not change); whatever else is in the way (a file where a
/// folder goes, a folder where a file goes, a link) is removed first.
pub(super) fn write_file(root: &Path, path: &Path, bytes: &[u8], recycled: bool) -> std::io::Result<()> {
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
    if recycled {
        let mut options = std::fs::OpenOptions::new();
        options.write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
        match options.open(path) {
            Ok(mut file) => {
                let metadata = file.metadata()?;
                if metadata.is_file() && !linked_elsewhere(&metadata) {
                    std::io::Write::write_all(&mut file, bytes)?;
                    let length = bytes.len() as u64;
                    if metadata.len() > length {
                        file.set_len(length)?;
                    }
                    return Ok(());
                }
                drop(file);
                std::fs::remove_file(path)?;
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => remove_any(path)?,
        }
    }
    std::fs::write(path, bytes)
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
