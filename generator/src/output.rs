//! Files of the built site, written as they are made into a fresh folder that is swapped in
//! only when the whole site built, so a failed build never leaves a half-built site served.
//! What the checks after rendering need (paths, links, ids, inline scripts) is kept; the
//! bytes are not.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use anyhow::{bail, Context as _};
use rayon::prelude::*;

use crate::links::PageLinks;

pub(crate) struct Output {
    /// Path inside the output folder, with `/` separators: `ky/etaptar/index.html`.
    pub(crate) path: String,
    pub(crate) bytes: Vec<u8>,
}

impl Output {
    /// A page at a site URL ending in `/`.
    pub(crate) fn html(url: &str, html: String) -> Self {
        Self { path: page_path(url), bytes: html.into_bytes() }
    }

    pub(crate) fn file(path: &str, bytes: Vec<u8>) -> Self {
        Self { path: path.trim_start_matches('/').to_string(), bytes }
    }

    pub(crate) fn is_html(&self) -> bool {
        self.path.ends_with(".html")
    }
}

/// The file a page at a site URL ending in `/` is written to: `ky/etaptar/index.html`.
pub(crate) fn page_path(url: &str) -> String {
    format!("{}index.html", url.trim_start_matches('/'))
}

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

/// Whether `path` is a folder itself, not a link to one.
fn is_folder(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_dir())
}

/// Whether something other than a folder is at `path`: a file, a link, a device.
fn is_non_folder(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|metadata| !metadata.is_dir())
}

fn remove_any(path: &Path) -> std::io::Result<()> {
    if is_folder(path) {
        std::fs::remove_dir_all(path)
    } else {
        std::fs::remove_file(path)
    }
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

/// Writes `bytes` at `path` below `root`. In a folder an earlier build left (`recycled`), a
/// file there is written over in place, unless another name links to it (a copy of an old
/// site made with `cp -l` must not change); whatever else is in the way (a file where a
/// folder goes, a folder where a file goes, a link) is removed first.
fn write_file(root: &Path, path: &Path, bytes: &[u8], recycled: bool) -> std::io::Result<()> {
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

/// Where outputs go as they are made: into the fresh folder (`build`) or nowhere (`check`).
/// Shared by the rendering threads.
pub(crate) struct Outputs {
    folder: Option<PathBuf>,
    /// Whether `folder` holds an earlier build's files, written over.
    recycled: bool,
    /// Keep every output's bytes instead of writing them (the preview checks an edit's pages
    /// before it writes any).
    collect: bool,
    batches: AtomicU32,
    state: Mutex<State>,
}

/// Where an output stands among all of them: its batch (one step of the build), then its
/// place in the batch. The checks report in this order, whatever order threads finish in.
pub(crate) type Order = (u32, usize);

#[derive(Default)]
struct State {
    /// Paths whose bytes are kept, to be copied elsewhere later (the root pages).
    keep: HashSet<String>,
    files: HashSet<String>,
    pages: Vec<(Order, PageLinks)>,
    blocked: Vec<(Order, Vec<(String, String)>)>,
    /// One page for each distinct policy the pages need: together they need what all do.
    policies: BTreeMap<String, Output>,
    kept: HashMap<String, Vec<u8>>,
    /// The policy of each page with inline scripts, by path; every other page needs only
    /// [`crate::csp::base_policy`].
    scripted: HashMap<String, String>,
    collected: Vec<(Order, Output)>,
    error: Option<anyhow::Error>,
}

/// Everything the checks after rendering need to know about the written site.
pub(crate) struct Written {
    pub(crate) files: HashSet<String>,
    /// Each HTML page's links and ids, in output order.
    pub(crate) pages: Vec<PageLinks>,
    /// What the Content-Security-Policy would block, as (output path, problem), in output order.
    pub(crate) blocked: Vec<(String, String)>,
    /// A page of each kind of inline scripts, enough for the site's policy.
    pub(crate) policy_pages: Vec<Output>,
    /// The policy of each page with inline scripts, by path.
    pub(crate) scripted: HashMap<String, String>,
}

impl Outputs {
    /// Outputs written into `next`.
    pub(crate) fn into_folder(next: &NextFolder) -> Self {
        Self { recycled: next.left.is_some(), ..Self::new(Some(next.next.clone())) }
    }

    /// Outputs only checked, not written.
    pub(crate) fn checked_only() -> Self {
        Self::new(None)
    }

    /// Outputs kept in memory, for [`Outputs::take_collected`].
    pub(crate) fn collecting() -> Self {
        Self { collect: true, ..Self::new(None) }
    }

    fn new(folder: Option<PathBuf>) -> Self {
        Self {
            folder,
            recycled: false,
            collect: false,
            batches: AtomicU32::new(0),
            state: Mutex::new(State::default()),
        }
    }

    /// What was made, in output order, when made [`Outputs::collecting`].
    pub(crate) fn take_collected(&self) -> Vec<Output> {
        let Ok(mut state) = self.state.lock() else {
            return Vec::new();
        };
        let mut collected = std::mem::take(&mut state.collected);
        collected.sort_by_key(|(order, _)| *order);
        collected.into_iter().map(|(_, output)| output).collect()
    }

    /// Keeps the bytes of the outputs at `path` once written, for [`Outputs::kept`].
    pub(crate) fn keep(&self, path: String) {
        if let Ok(mut state) = self.state.lock() {
            state.keep.insert(path);
        }
    }

    /// A new batch: what is written in it comes after everything of earlier batches.
    pub(crate) fn batch(&self) -> u32 {
        self.batches.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn push(&self, output: Output) {
        self.write((self.batch(), 0), output);
    }

    /// Writes a step's outputs, in parallel.
    pub(crate) fn extend(&self, outputs: impl IntoIterator<Item = Output>) {
        let batch = self.batch();
        let outputs: Vec<Output> = outputs.into_iter().collect();
        outputs.into_par_iter().enumerate().for_each(|(index, output)| self.write((batch, index), output));
    }

    /// Writes one output, and remembers what the checks need of it.
    pub(crate) fn write(&self, order: Order, output: Output) {
        let mut problem = None;
        if let Some(folder) = &self.folder {
            let path = folder.join(&output.path);
            problem = write_file(folder, &path, &output.bytes, self.recycled)
                .with_context(|| format!("writing {}", path.display()))
                .err();
        }
        let scanned = output.is_html().then(|| {
            let html = std::str::from_utf8(&output.bytes).unwrap_or("");
            let (policy, blocked) = crate::csp::content_security_policy(std::slice::from_ref(&output));
            (PageLinks::scan(&output.path, html), policy, blocked)
        });
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let keep = state.keep.contains(&output.path);
        if state.error.is_none() {
            state.error = problem;
        }
        state.files.insert(output.path.clone());
        let mut output = Some(output);
        if let Some((links, policy, blocked)) = scanned {
            state.pages.push((order, links));
            if !blocked.is_empty() {
                state.blocked.push((order, blocked));
            }
            if policy != crate::csp::base_policy() {
                if let Some(output) = &output {
                    state.scripted.insert(output.path.clone(), policy.clone());
                }
            }
            if !state.policies.contains_key(&policy) {
                if let Some(output) = output.take() {
                    if self.collect {
                        state
                            .collected
                            .push((order, Output { path: output.path.clone(), bytes: output.bytes.clone() }));
                    }
                    if keep {
                        state.kept.insert(output.path.clone(), output.bytes.clone());
                    }
                    state.policies.insert(policy, output);
                }
            }
        }
        if let Some(output) = output {
            if keep {
                state.kept.insert(output.path.clone(), output.bytes.clone());
            }
            if self.collect {
                state.collected.push((order, output));
            }
        }
    }

    /// The bytes of an output named when this was made.
    pub(crate) fn kept(&self, path: &str) -> Option<Vec<u8>> {
        self.state.lock().ok().and_then(|state| state.kept.get(path).cloned())
    }

    /// The first file that could not be written, if any.
    pub(crate) fn take_error(&self) -> Option<anyhow::Error> {
        self.state.lock().ok().and_then(|mut state| state.error.take())
    }

    /// What the checks need, in output order.
    pub(crate) fn written(&self) -> Written {
        let Ok(mut state) = self.state.lock() else {
            return Written {
                files: HashSet::new(),
                pages: Vec::new(),
                blocked: Vec::new(),
                policy_pages: Vec::new(),
                scripted: HashMap::new(),
            };
        };
        let mut pages = std::mem::take(&mut state.pages);
        pages.sort_by_key(|(order, _)| *order);
        let mut blocked = std::mem::take(&mut state.blocked);
        blocked.sort_by_key(|(order, _)| *order);
        Written {
            files: std::mem::take(&mut state.files),
            pages: pages.into_iter().map(|(_, links)| links).collect(),
            blocked: blocked.into_iter().flat_map(|(_, blocked)| blocked).collect(),
            policy_pages: std::mem::take(&mut state.policies).into_values().collect(),
            scripted: std::mem::take(&mut state.scripted),
        }
    }
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
