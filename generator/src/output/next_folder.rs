//! The folder a build writes into, `.<name>.next` beside the output folder: made or found,
//! locked, swapped in for the output folder once the whole site is built, and put right
//! when a build stopped half-way through a swap.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use super::write::{is_folder, is_non_folder, remove_any};

/// The folder a build writes into, `.<name>.next` beside the output folder, swapped in once
/// the whole site is built.
///
/// The site it replaces is not removed but kept there for the next build, which writes over
/// its files and then removes those it did not make again. On this machine's ext4, making
/// the 31,000 files in 26,000 folders of 10,000 reports per language and removing the old
/// ones took 10 to 14 s of a 28 to 31 s build; writing over a file of the same size costs a
/// small part of making one. The output folder thus has a hidden sibling of about its size.
///
/// Files are reused only where a name means one file (Unix file systems that tell `a` from
/// `A` and do not normalise Unicode): elsewhere, two spellings of one file would look like a
/// file made and a file left over, and the sweep would remove what was just written; there
/// the replaced site is removed, as before. A program still reading a file of the site that
/// was replaced before the last build (a server's cached file handle) sees it change.
pub(crate) struct NextFolder {
    dir: PathBuf,
    next: PathBuf,
    old: PathBuf,
    /// Whether the replaced site is kept in `next` for the next build.
    reuse: bool,
    /// What an earlier build left in `next`; `None` when `next` started empty.
    left: Option<Left>,
    /// Held while the build writes into `next`: a second build into the same folder stops.
    _lock: Option<std::fs::File>,
}

/// What an earlier build left in the folder: its files, as (path with `/`, path), removed at
/// the end unless made again, and its empty folders.
struct Left {
    files: Vec<(String, PathBuf)>,
    empty: Vec<PathBuf>,
}

impl NextFolder {
    /// Finds or makes `.<name>.next` beside `dir`; refuses a `dir` that looks like sources.
    pub(crate) fn create(dir: &Path) -> anyhow::Result<Self> {
        let name = dir.file_name().context("the output folder needs a name")?.to_string_lossy().to_string();
        if name == "content"
            || name == "templates"
            || dir.join("Cargo.toml").exists()
            || dir.join("config.toml").exists()
        {
            bail!("refusing to replace {}: it looks like a source folder, not a build output", dir.display());
        }
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        let next = parent.join(format!(".{name}.next"));
        let old = parent.join(format!(".{name}.old"));
        recover(dir, &next, &old)?;
        let recycled = is_folder(&next);
        if !recycled {
            std::fs::create_dir_all(&next).with_context(|| format!("creating {}", next.display()))?;
        }
        let lock = lock(&next, dir)?;
        let reuse = reusable(&next);
        let left = if recycled && reuse {
            Some(files_left(&next).with_context(|| format!("reading {}", next.display()))?)
        } else {
            if recycled {
                empty_folder(&next).with_context(|| format!("emptying {}", next.display()))?;
            }
            None
        };
        Ok(Self { dir: dir.to_path_buf(), next, old, reuse, left, _lock: lock })
    }

    /// Removes what an earlier build left that this one did not make (`made`: every output
    /// path), then replaces the output folder with the finished site and keeps the site it
    /// replaces as the next build's folder.
    pub(crate) fn swap_in(self, made: &HashSet<String>) -> anyhow::Result<()> {
        let Self { dir, next, old, reuse, left, _lock } = self;
        if let Some(Left { files, empty }) = left {
            let made: HashSet<String> = made.iter().map(|path| normal(path)).collect();
            let mut emptied: std::collections::BTreeSet<PathBuf> = empty.into_iter().collect();
            for (key, path) in files {
                if made.contains(&normal(&key)) {
                    continue;
                }
                // Gone already, or a folder now, where this build put a file or a folder instead.
                match std::fs::remove_file(&path) {
                    Err(error) if is_non_folder(&path) => {
                        return Err(error).with_context(|| format!("removing {}", path.display()));
                    }
                    _ => {}
                }
                emptied.extend(path.parent().map(Path::to_path_buf));
            }
            // Deepest first; a folder still holding something stays.
            for folder in emptied.iter().rev() {
                let mut folder = folder.as_path();
                while folder.starts_with(&next) && folder != next && std::fs::remove_dir(folder).is_ok() {
                    let Some(parent) = folder.parent() else { break };
                    folder = parent;
                }
            }
        }
        let moved_aside = std::fs::symlink_metadata(&dir).is_ok();
        if moved_aside {
            std::fs::rename(&dir, &old).with_context(|| format!("moving {} aside", dir.display()))?;
        }
        if let Err(error) = std::fs::rename(&next, &dir) {
            if moved_aside {
                let _ = std::fs::rename(&old, &dir);
            }
            return Err(error).with_context(|| format!("moving the new site into {}", dir.display()));
        }
        if !reuse && is_folder(&old) {
            std::fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
        } else if is_folder(&old) {
            // Best effort: the next build finds `.old` and keeps it in the same way.
            let _ = std::fs::rename(&old, &next);
        }
        Ok(())
    }

    /// Leaves what a failed build wrote for the next build to write over; the output folder
    /// stays as it was.
    pub(crate) fn discard(self) {}

    /// The folder the build writes into.
    pub(super) fn path(&self) -> &Path {
        &self.next
    }

    /// The output folder, the site being served, where files may be linked from: only where
    /// names are kept as given (as for reusing), and only a folder itself, not a link to one.
    pub(super) fn live(&self) -> Option<&Path> {
        (self.reuse && is_folder(&self.dir)).then_some(self.dir.as_path())
    }

    /// Whether it holds an earlier build's files, to be written over.
    pub(super) fn recycled(&self) -> bool {
        self.left.is_some()
    }
}

/// Puts right what a build stopped during [`NextFolder::swap_in`]'s three renames left:
/// output → `.old`, `.next` → output, `.old` → `.next`.
fn recover(dir: &Path, next: &Path, old: &Path) -> anyhow::Result<()> {
    if !is_folder(old) {
        return Ok(());
    }
    if std::fs::symlink_metadata(dir).is_err() && is_folder(next) {
        // Stopped after the first: `.next` is the finished site.
        std::fs::rename(next, dir).with_context(|| format!("moving the new site into {}", dir.display()))?;
    }
    if is_folder(next) {
        std::fs::remove_dir_all(old).with_context(|| format!("removing {}", old.display()))
    } else {
        // Stopped after the second.
        std::fs::rename(old, next).with_context(|| format!("keeping {} for the next build", old.display()))
    }
}

/// Takes the lock of the folder a build writes into, or says which build holds it.
#[cfg(unix)]
fn lock(next: &Path, dir: &Path) -> anyhow::Result<Option<std::fs::File>> {
    let handle = std::fs::File::open(next).with_context(|| format!("opening {}", next.display()))?;
    match handle.try_lock() {
        Ok(()) => Ok(Some(handle)),
        Err(std::fs::TryLockError::WouldBlock) => {
            bail!("another build is writing into {} (through {}): let it finish first", dir.display(), next.display())
        }
        Err(std::fs::TryLockError::Error(error)) => Err(error).with_context(|| format!("locking {}", next.display())),
    }
}

#[cfg(not(unix))]
fn lock(_: &Path, _: &Path) -> anyhow::Result<Option<std::fs::File>> {
    Ok(None)
}

/// Whether files in `folder` can be written over: on Unix, where the file system keeps names
/// as given. A probe file is looked up in capitals and in decomposed Unicode.
fn reusable(folder: &Path) -> bool {
    if !cfg!(unix) {
        return false;
    }
    let probe = folder.join(".mektep-name-probe-\u{e9}");
    if std::fs::write(&probe, b"").is_err() {
        return false;
    }
    let exact = [".MEKTEP-NAME-PROBE-\u{e9}", ".mektep-name-probe-e\u{301}"]
        .iter()
        .all(|other| std::fs::symlink_metadata(folder.join(other)).is_err());
    let _ = std::fs::remove_file(&probe);
    exact
}

/// Removes everything inside `folder`, keeping the folder (and the lock on it).
fn empty_folder(folder: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        remove_any(&entry?.path())?;
    }
    Ok(())
}

/// A path with `/` and without empty or `.` segments, to compare outputs with files found.
fn normal(path: &str) -> String {
    path.split('/').filter(|segment| !segment.is_empty() && *segment != ".").collect::<Vec<_>>().join("/")
}

/// What an earlier build left in `folder`. Anything else there that is not a folder (a link,
/// which a write would follow out of the folder) is removed.
fn files_left(folder: &Path) -> anyhow::Result<Left> {
    let mut files = Vec::new();
    let mut folders = Vec::new();
    let mut holding: HashSet<PathBuf> = HashSet::new();
    for entry in walkdir::WalkDir::new(folder).follow_links(false).min_depth(1) {
        let entry = entry?;
        let kind = entry.file_type();
        if kind.is_file() || kind.is_dir() {
            holding.extend(entry.path().parent().map(Path::to_path_buf));
        }
        if kind.is_file() {
            let key = entry.path().strip_prefix(folder)?.to_string_lossy().replace('\\', "/");
            files.push((key, entry.into_path()));
        } else if kind.is_dir() {
            folders.push(entry.into_path());
        } else {
            std::fs::remove_file(entry.path()).with_context(|| format!("removing {}", entry.path().display()))?;
        }
    }
    let empty = folders.into_iter().filter(|folder| !holding.contains(folder)).collect();
    Ok(Left { files, empty })
}
