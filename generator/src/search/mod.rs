//! The search index: a Pagefind bundle per language under `/<lang>/pagefind/`, built in the
//! same process from each page's rendered content. Pagefind splits its index into chunks by
//! word, so a search loads the language's small metadata file, the chunks holding the query's
//! words and the fragments of the results it shows: about 150 KB with 2,000 reports per
//! language (tests/e2e/search.test.mjs measures it), where one JSON file of every page grew
//! with the site. Each language has its own bundle, so a Kyrgyz search loads nothing Russian.
//!
//! A language of more than `search_index_pages` pages (content/config.toml, 5,000 if unset)
//! is indexed in parts of about one size, `ky/pagefind/`, `ky/pagefind-2/`, …, which its
//! search page merges: Pagefind holds every page of an index in memory while it makes it,
//! about 65 KB a page, so parts keep a build's memory bounded whatever the size of the site.
//! Parts also bound what a later build pays for an edit: a part whose documents did not
//! change is taken from the cache of bundles (`cache.rs`), so an edited report costs the
//! indexing of its part only.

mod cache;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use rayon::prelude::*;

use crate::load::{Page, Site};
use crate::output::written::Outputs;
use crate::output::{page_path, Output};
use crate::ContentError;
use content_model::Message;

/// How many pages' result texts Pagefind puts in one file.
const PAGES_PER_FRAGMENT_FILE: usize = 4;

/// How many pages one index holds at most when content/config.toml does not say. Smaller
/// parts hold less memory while made (two parts are in memory at once, about 65 KB a page,
/// beside the pages being rendered) and make an edit cheaper to index again; each part costs
/// a search more requests (its entry file, and its chunk of the words sought: about 60 KB).
/// 5,000 keeps a first build of 10,000 reports per language under 0.6 GB here, where
/// 12,000 took 0.95 GB.
const INDEX_PAGES: usize = 5_000;

/// The folder of part `part` (from 0) of a language's bundle inside the site: `ky/pagefind/`,
/// then `ky/pagefind-2/` and on.
pub(crate) fn bundle_dir(lang: &str, part: usize) -> String {
    match part {
        0 => format!("{lang}/pagefind/"),
        _ => format!("{lang}/pagefind-{}/", part + 1),
    }
}

/// How many of a language's `total` pages go to one part, with at most `most` to a part.
fn part_size(total: usize, most: usize) -> usize {
    total.div_ceil(total.div_ceil(most.max(1)).max(1)).max(1)
}

/// Which part of its language's search index each page is in.
pub(crate) struct Parts {
    /// By position in `site.pages`.
    of_page: Vec<usize>,
    /// By language: how many pages it has, and how many go to a part.
    sizes: HashMap<String, (usize, usize)>,
}

impl Parts {
    /// A language's pages, in the site's order, split into the fewest parts of at most
    /// `search_index_pages`, all of one size but the last.
    pub(crate) fn of(site: &Site) -> Self {
        let most = site.config.search_index_pages.unwrap_or(INDEX_PAGES);
        let mut totals: HashMap<&str, usize> = HashMap::new();
        for page in &site.pages {
            *totals.entry(page.lang.as_str()).or_default() += 1;
        }
        let sizes: HashMap<String, (usize, usize)> =
            totals.into_iter().map(|(lang, total)| (lang.to_string(), (total, part_size(total, most)))).collect();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let of_page = site
            .pages
            .iter()
            .map(|page| {
                let position = seen.entry(page.lang.as_str()).or_default();
                let part = *position / sizes.get(&page.lang).map_or(1, |(_, size)| *size);
                *position += 1;
                part
            })
            .collect();
        Self { of_page, sizes }
    }

    /// How many parts the index of `lang` has; one for a language without pages.
    pub(crate) fn count(&self, lang: &str) -> usize {
        self.sizes.get(lang).map_or(1, |(total, size)| total.div_ceil(*size).max(1))
    }

    /// How many pages part `part` of `lang` holds.
    fn pages_in(&self, lang: &str, part: usize) -> usize {
        self.sizes.get(lang).map_or(0, |(total, size)| total.saturating_sub(part * size).min(*size))
    }

    /// The part of the page at `index` in `site.pages`.
    pub(crate) fn of_page(&self, index: usize) -> usize {
        self.of_page.get(index).copied().unwrap_or(0)
    }

    /// The URLs of the parts of `lang`'s bundle, for its search page.
    pub(crate) fn urls(&self, lang: &str) -> Vec<String> {
        (0..self.count(lang)).map(|part| format!("/{}", bundle_dir(lang, part))).collect()
    }
}

/// The pages' search documents (below), written to a scratch folder at each page's path in a
/// folder of its part of the index (`ky-0/`), from which Pagefind indexes one part at a time:
/// a build writes a part's documents when it is indexed, the preview every one at the start.
/// Its folder indexing parses the documents on every core and keeps them once; adding pages
/// one by one through its API holds a lock per page, keeps a second copy of each, and looks
/// every new URL up in a list of all the pages before it, which made indexing grow with the
/// square of the page count.
///
/// The preview keeps the folder between edits: an edited report rewrites its own document,
/// and only its part of the index is made again.
pub(crate) struct Documents {
    scratch: tempfile::TempDir,
    pub(crate) parts: Parts,
    /// A folder on disk for the parts that did not fit in `/dev/shm`, made when first needed.
    on_disk: std::sync::OnceLock<tempfile::TempDir>,
    /// Each part's key: its bundle is taken from the cache when kept there under it, and a
    /// bundle made is kept under it.
    keys: HashMap<(String, usize), String>,
    /// Where bundles are kept between builds; `None` keeps none.
    cache: Option<PathBuf>,
    /// The pages of each part, by position in `site.pages`, in order.
    members: HashMap<(String, usize), Vec<usize>>,
    /// Whether a part's documents are written only when it is indexed (a build), not all at
    /// once (the preview).
    lazy: bool,
}

impl Documents {
    /// Prepares the search documents of every page (`bodies` in `site.pages` order): their
    /// parts' keys and a scratch folder. With `every`, every document is written into it now,
    /// as the preview needs to index any part again after an edit; otherwise
    /// [`Documents::bundles_once`] writes a part's documents just before Pagefind reads them,
    /// and only for a part whose bundle is not in `cache`, so that the scratch folder
    /// (memory, in `/dev/shm`) holds at most two parts' documents, not every page's.
    pub(crate) fn write(
        site: &Site,
        bodies: &[String],
        cache: Option<&Path>,
        every: bool,
    ) -> Result<Self, Vec<ContentError>> {
        let parts = Parts::of(site);
        let members = members(site, &parts);
        let cache = cache.map(cache::folder);
        // Without a cache no bundle is looked up or kept: nothing to hash.
        let keys = if cache.is_some() { keys(site, &members, bodies) } else { HashMap::new() };
        if let Some(folder) = &cache {
            let wanted: Vec<(String, usize)> = keys.keys().cloned().collect();
            cache::forget_others(folder, &wanted);
        }
        let scratch = if every { write_documents(site, &parts, bodies) } else { scratch_folder() }
            .map_err(|error| failed(site, "could not be prepared", &error))?;
        Ok(Self { scratch, parts, on_disk: std::sync::OnceLock::new(), keys, cache, members, lazy: !every })
    }

    /// Writes the document of the page at `index` again, over the old one: the folder keeps
    /// its order.
    pub(crate) fn rewrite(&self, site: &Site, index: usize, body: &str) -> Result<(), Vec<ContentError>> {
        let Some(page) = site.pages.get(index) else {
            return Ok(());
        };
        let path = part_folder(self.scratch.path(), &page.lang, self.parts.of_page(index)).join(page_path(&page.url));
        std::fs::write(&path, document(site, page, body))
            .map_err(|error| failed(site, "could not be updated", &format!("{}: {error}", path.display())))
    }

    /// Writes every part of every language's bundle under [`bundle_dir`], each as soon as it
    /// is made, so that an index is not held while the next one is made. A part whose bundle
    /// was in the cache is published from there.
    ///
    /// Pagefind reads a part's documents on every core, then builds its index, partly on one
    /// core, and compresses every file of it on one. The next part, of the same language or
    /// the next, is therefore read while the part before is indexed, so that the second core
    /// is not idle. One part is indexed at a time: memory holds at most one part being indexed
    /// and one being read. A build runs all this beside the rendering of its pages.
    ///
    /// The preview keeps the documents, to index a part again after an edit.
    pub(crate) fn bundles(&self, site: &Site, bodies: &[String], outputs: &Outputs) -> Result<(), Vec<ContentError>> {
        self.bundles_letting_go(site, bodies, outputs, false, &AtomicBool::new(false))
    }

    /// [`Documents::bundles`] for a build, which writes each part's documents just before
    /// Pagefind reads them and removes them once it has: in `/dev/shm` they are memory too,
    /// about 8 KB a page (a file takes whole pages of 4 KB there). It stops before the next
    /// part once `stop` is set (the pages failed: nothing will be published).
    pub(crate) fn bundles_once(
        &self,
        site: &Site,
        bodies: &[String],
        outputs: &Outputs,
        stop: &AtomicBool,
    ) -> Result<(), Vec<ContentError>> {
        self.bundles_letting_go(site, bodies, outputs, true, stop)
    }

    fn bundles_letting_go(
        &self,
        site: &Site,
        bodies: &[String],
        outputs: &Outputs,
        let_go: bool,
        stop: &AtomicBool,
    ) -> Result<(), Vec<ContentError>> {
        let parts =
            site.config.languages.iter().flat_map(|lang| (0..self.parts.count(lang)).map(move |part| (lang, part)));
        std::thread::scope(|scope| {
            let mut indexing = None;
            for (lang, part) in parts {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Some(bundle) = self.kept_bundle(lang, part) {
                    outputs.extend(bundle);
                    continue;
                }
                let folder = if self.lazy {
                    self.write_part(site, bodies, lang, part)?
                } else {
                    part_folder(self.scratch.path(), lang, part)
                };
                let read = self.read(site, lang, part, &folder);
                if let_go {
                    // Best effort: the scratch folder goes as a whole when dropped.
                    let _ = std::fs::remove_dir_all(&folder);
                }
                if let Some(previous) = indexing.take() {
                    outputs.extend(self.kept(joined(previous)?));
                }
                let read = read?;
                indexing = Some((lang.as_str(), part, scope.spawn(move || read.index(site))));
            }
            if let Some(last) = indexing {
                outputs.extend(self.kept(joined(last)?));
            }
            Ok(())
        })
    }

    /// The bundle of part `part` of `lang` kept in the cache under its key, if there is one.
    fn kept_bundle(&self, lang: &str, part: usize) -> Option<Vec<Output>> {
        let key = self.keys.get(&(lang.to_string(), part))?;
        cache::read(self.cache.as_deref()?, lang, part, key, &bundle_dir(lang, part))
    }

    /// Writes the documents of part `part` of `lang`, in the site's order, into the scratch
    /// folder, or where that is full (a container's small `/dev/shm`), into a folder on disk.
    /// Gives the folder written.
    fn write_part(
        &self,
        site: &Site,
        bodies: &[String],
        lang: &str,
        part: usize,
    ) -> Result<PathBuf, Vec<ContentError>> {
        let pages = self.members.get(&(lang.to_string(), part)).map_or(&[][..], Vec::as_slice);
        let write = |folder: &Path| -> std::io::Result<()> {
            for index in pages {
                if let (Some(page), Some(body)) = (site.pages.get(*index), bodies.get(*index)) {
                    write_document(&folder.join(page_path(&page.url)), &document(site, page, body))?;
                }
            }
            Ok(())
        };
        let folder = part_folder(self.scratch.path(), lang, part);
        if write(&folder).is_ok() {
            return Ok(folder);
        }
        let _ = std::fs::remove_dir_all(&folder);
        let on_disk = match self.on_disk.get() {
            Some(on_disk) => on_disk,
            None => {
                let made = disk_folder().map_err(|error| failed(site, "could not be prepared", &error))?;
                self.on_disk.get_or_init(|| made)
            }
        };
        let folder = part_folder(on_disk.path(), lang, part);
        write(&folder).map_err(|error| failed(site, "could not be prepared", &error))?;
        Ok(folder)
    }

    /// Keeps a bundle just made in the cache, for the next build.
    fn kept(&self, (lang, part, bundle): (&str, usize, Vec<Output>)) -> Vec<Output> {
        if let (Some(folder), Some(key)) = (&self.cache, self.keys.get(&(lang.to_string(), part))) {
            cache::write(folder, lang, part, key, &bundle);
        }
        bundle
    }

    /// Part `part` of the bundle of `lang`, as outputs under [`bundle_dir`].
    pub(crate) fn bundle(&self, site: &Site, lang: &str, part: usize) -> Result<Vec<Output>, Vec<ContentError>> {
        self.read(site, lang, part, &part_folder(self.scratch.path(), lang, part))?.index(site)
    }

    /// Pagefind's reading of the documents of one part.
    fn read(&self, site: &Site, lang: &str, part: usize, folder: &Path) -> Result<ReadPart, Vec<ContentError>> {
        let documents = self.parts.pages_in(lang, part);
        let index = runtime(site)?
            .block_on(read_part(folder, lang, part, documents))
            .map_err(|error| not_built(site, lang, &error))?;
        Ok(ReadPart { index, lang: lang.to_string(), part })
    }
}

/// One part of a language's documents, read by Pagefind and not yet indexed.
struct ReadPart {
    index: PagefindIndex,
    lang: String,
    part: usize,
}

impl ReadPart {
    /// The part's bundle, as outputs under [`bundle_dir`].
    fn index(self, site: &Site) -> Result<Vec<Output>, Vec<ContentError>> {
        let Self { mut index, lang, part } = self;
        let files = runtime(site)?.block_on(index.get_files()).map_err(|error| not_built(site, &lang, &error))?;
        drop(index);
        Ok(files
            .into_iter()
            .filter(|file| needed(&file.filename.to_string_lossy()))
            .map(|file| {
                let name = file.filename.to_string_lossy().replace('\\', "/");
                Output::file(&format!("{}{name}", bundle_dir(&lang, part)), file.contents)
            })
            .collect())
    }
}

/// Pagefind's API is async only, and it reads on Rayon's threads: a runtime of its own on the
/// calling thread keeps those threads free for it.
fn runtime(site: &Site) -> Result<tokio::runtime::Runtime, Vec<ContentError>> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| failed(site, "could not start", &error))
}

/// What the thread indexing a part gave back, with its language and part; a panic there is
/// passed on as it was.
fn joined<'l, T, E>(
    (lang, part, handle): (&'l str, usize, std::thread::ScopedJoinHandle<'_, Result<T, E>>),
) -> Result<(&'l str, usize, T), E> {
    let result = handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    Ok((lang, part, result))
}

fn not_built(site: &Site, lang: &str, error: &anyhow::Error) -> Vec<ContentError> {
    failed(site, &format!("of `{lang}` could not be built"), &format!("{error:#}"))
}

fn failed(site: &Site, what: &str, error: &dyn std::fmt::Display) -> Vec<ContentError> {
    vec![ContentError::new(&site.content_dir, Message::Untranslated(format!("the search index {what}: {error}")))]
}

/// Every page's search document, at its page's path in a scratch folder that is removed when
/// dropped. The folder is in memory-backed `/dev/shm` where the system has one (tens of
/// thousands of small files cost much less there than on ext4: at 5,000 reports per language
/// the build took 14.5 s instead of 26 s here); when that is missing or full, in the system's
/// temporary folder.
fn write_documents(site: &Site, parts: &Parts, bodies: &[String]) -> std::io::Result<tempfile::TempDir> {
    let folder = scratch_folder()?;
    if write_all(folder.path(), site, parts, bodies).is_ok() {
        return Ok(folder);
    }
    drop(folder);
    let folder = disk_folder()?;
    write_all(folder.path(), site, parts, bodies)?;
    Ok(folder)
}

/// An empty scratch folder: in `/dev/shm` where the system has one, else on disk.
fn scratch_folder() -> std::io::Result<tempfile::TempDir> {
    sweep_scratch(Sweep::Abandoned);
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(folder) = tempfile::Builder::new().prefix(&scratch_prefix(std::process::id())).tempdir_in(shm) {
            return Ok(folder);
        }
    }
    disk_folder()
}

/// An empty scratch folder in the system's temporary folder, for documents that do not fit in
/// `/dev/shm`.
fn disk_folder() -> std::io::Result<tempfile::TempDir> {
    tempfile::Builder::new().prefix(&scratch_prefix(std::process::id())).tempdir()
}

/// The start of the names of a process's scratch folders: its id tells whether they are still
/// in use.
fn scratch_prefix(pid: u32) -> String {
    format!("{SCRATCH}{pid}-")
}

const SCRATCH: &str = "mektep-search-documents-";

/// Which scratch folders [`sweep_scratch`] removes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sweep {
    /// This process's own, when it stops.
    Own,
    /// Those of processes that no longer run: a build or preview stopped by a signal or
    /// closed terminal cannot remove its own, and in `/dev/shm` they would hold memory until
    /// the machine restarts.
    Abandoned,
}

/// Removes scratch folders, best effort. A process is known to be gone only where `/proc`
/// lists the running ones (Linux); elsewhere nothing is taken as abandoned.
pub(crate) fn sweep_scratch(sweep: Sweep) {
    sweep_in(&[Path::new("/dev/shm"), &std::env::temp_dir()], sweep, std::process::id());
}

fn sweep_in(dirs: &[&Path], sweep: Sweep, own: u32) {
    let proc = Path::new("/proc");
    if sweep == Sweep::Abandoned && !proc.join("self").exists() {
        return;
    }
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            let Some(pid) = name.strip_prefix(SCRATCH).and_then(|rest| rest.split_once('-')?.0.parse::<u32>().ok())
            else {
                continue;
            };
            let remove = match sweep {
                Sweep::Own => pid == own,
                Sweep::Abandoned => pid != own && !proc.join(pid.to_string()).exists(),
            };
            if remove {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// One after another, in the site's order: Pagefind numbers pages in the order it walks the
/// folder, which it does not sort. tmpfs lists a folder's files in the order they were made,
/// so the same site gives the same bundle, which a deploy then leaves alone. (ext4 lists them
/// in an order of its own per file system: stable on one machine, not across machines.)
fn write_all(scratch: &Path, site: &Site, parts: &Parts, bodies: &[String]) -> std::io::Result<()> {
    for (index, (page, body)) in site.pages.iter().zip(bodies).enumerate() {
        let path = part_folder(scratch, &page.lang, parts.of_page(index)).join(page_path(&page.url));
        write_document(&path, &document(site, page, body))?;
    }
    Ok(())
}

/// Writes one document, making its folders; an error names the file.
fn write_document(path: &Path, document: &str) -> std::io::Result<()> {
    let written = path.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(path, document));
    written.map_err(|error| std::io::Error::new(error.kind(), format!("{}: {error}", path.display())))
}

/// The pages of each part of each language's index, by position in `site.pages`, in order.
fn members(site: &Site, parts: &Parts) -> HashMap<(String, usize), Vec<usize>> {
    let mut members: HashMap<(String, usize), Vec<usize>> = HashMap::new();
    for lang in &site.config.languages {
        for part in 0..parts.count(lang) {
            members.insert((lang.clone(), part), Vec::new());
        }
    }
    for (index, page) in site.pages.iter().enumerate() {
        members.entry((page.lang.clone(), parts.of_page(index))).or_default().push(index);
    }
    members
}

/// The key of each part of each language's index (see [`cache`]): its documents, with their
/// paths, in the order they are written. Parts are hashed in parallel.
fn keys(
    site: &Site,
    members: &HashMap<(String, usize), Vec<usize>>,
    bodies: &[String],
) -> HashMap<(String, usize), String> {
    members
        .par_iter()
        .map(|((lang, part), pages)| {
            let mut key = cache::Key::new(lang, *part, &format!("fragments of {PAGES_PER_FRAGMENT_FILE} pages"));
            for &index in pages {
                if let (Some(page), Some(body)) = (site.pages.get(index), bodies.get(index)) {
                    key.add(&page_path(&page.url), &document(site, page, body));
                }
            }
            ((lang.clone(), *part), key.finish())
        })
        .collect()
}

/// Where the documents of part `part` of `lang`'s index are written in the scratch folder.
fn part_folder(scratch: &Path, lang: &str, part: usize) -> std::path::PathBuf {
    scratch.join(format!("{lang}-{part}"))
}

/// Pagefind's reading of the documents in `folder`, one part of one language's bundle.
/// `documents` is how many were written there: Pagefind skips a file it cannot read or parse
/// with a log line only, which would leave a page unfindable unseen.
async fn read_part(folder: &Path, lang: &str, part: usize, documents: usize) -> anyhow::Result<PagefindIndex> {
    // Pagefind stems the languages it has a Snowball stemmer for, Russian among them. It has
    // none for Kyrgyz: told `ky`, it indexes words as written (its bundle then loads the
    // generic WebAssembly, `wasm.unknown.pagefind`), and its search matches words by prefix,
    // so `кеңешк` finds `кеңешке`.
    //
    // Results' texts are grouped [`PAGES_PER_FRAGMENT_FILE`] to a file: a site of 10,000 reports
    // per language then writes 5,000 of them instead of 20,000 (each file costs about half a
    // millisecond to write here, and one upload to deploy), and a page of 20 results loads
    // a few more kilobytes.
    let fragment_files = u32::try_from(documents.div_ceil(PAGES_PER_FRAGMENT_FILE)).unwrap_or(u32::MAX).max(1);
    let options =
        PagefindServiceConfig::builder().force_language(lang.to_string()).max_fragments(fragment_files).build();
    let mut index = PagefindIndex::new(Some(options))?;
    // URLs are the documents' paths below their part's folder: `/ky/reports/x/`.
    let indexed = index.add_directory(folder.to_string_lossy().to_string(), Some("**/*.html".to_string())).await?;
    if indexed != documents {
        anyhow::bail!("Pagefind indexed {indexed} of the {documents} pages of part {}", part + 1);
    }
    Ok(index)
}

/// Whether a file of Pagefind's bundle is used by our search page, which talks to
/// `pagefind.js` directly: Pagefind's own interfaces and its playground are left out.
fn needed(name: &str) -> bool {
    !["pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.", "playground"]
        .iter()
        .any(|unused| name.starts_with(unused))
}

/// What Pagefind reads of a page: its title and day as metadata (searched, the title weighted
/// above the text, and shown with each result, but kept out of the excerpt, which repeats
/// neither), its summary and its rendered content, without the navigation every page repeats.
fn document(site: &Site, page: &Page, body: &str) -> String {
    let title = tera::escape_html(&page.front.title);
    let date = page
        .report_date()
        .map(|date| {
            format!(
                "<meta data-pagefind-meta=\"date[content]\" content=\"{}\">",
                tera::escape_html(&site.translation(&page.lang).dates.date(date))
            )
        })
        .unwrap_or_default();
    let summary = page
        .front
        .summary
        .as_deref()
        .or(page.front.description.as_deref())
        .map(|summary| format!("<p>{}</p>", tera::escape_html(summary)))
        .unwrap_or_default();
    // Markdown writes a table row's cells without a blank between them, and Pagefind would
    // join the words of neighbouring cells into one.
    let body = body.replace("</td><td", "</td> <td").replace("</th><th", "</th> <th");
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><title>{title}</title>\
         <meta data-pagefind-meta=\"title[content]\" content=\"{title}\">{date}</head>\
         <body>{summary}{body}</body></html>",
        lang = page.lang
    )
}

#[cfg(test)]
mod tests {
    use super::{scratch_prefix, sweep_in, Sweep};

    #[test]
    fn scratch_folders_of_processes_that_are_gone_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let folder = |name: String| {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.join("ky")).unwrap();
            path
        };
        // A process id above Linux's largest (2^22) is never running; 1 always is.
        let gone = folder(format!("{}aB3x", scratch_prefix(4_999_999)));
        let running = folder(format!("{}aB3x", scratch_prefix(1)));
        let own = folder(format!("{}aB3x", scratch_prefix(4_999_998)));
        let unrelated = folder(format!("{}12345", super::SCRATCH));
        sweep_in(&[dir.path()], Sweep::Abandoned, 4_999_998);
        assert!(!gone.exists(), "the folder of a process that is gone");
        assert!(running.exists() && own.exists() && unrelated.exists());
        sweep_in(&[dir.path()], Sweep::Own, 4_999_998);
        assert!(!own.exists() && running.exists() && unrelated.exists());
    }

    #[test]
    fn each_part_holds_its_share_of_the_pages() {
        // (pages, at most to a part) → pages in each part, in order.
        for (total, most, expected) in [
            (10, 12_000, vec![10]),
            (12_001, 12_000, vec![6_001, 6_000]),
            (50_019, 12_000, vec![10_004, 10_004, 10_004, 10_004, 10_003]),
            (7, 3, vec![3, 3, 1]),
        ] {
            let sizes = [("ky".to_string(), (total, super::part_size(total, most)))].into();
            let parts = super::Parts { of_page: Vec::new(), sizes };
            let sizes: Vec<usize> = (0..parts.count("ky")).map(|part| parts.pages_in("ky", part)).collect();
            assert_eq!(sizes, expected, "{total} pages, at most {most} to a part");
        }
    }

    #[test]
    fn only_what_the_search_page_loads_is_published() {
        for kept in
            ["pagefind.js", "pagefind-worker.js", "pagefind-entry.json", "wasm.ru.pagefind", "index/ru_1a2b.pf_index"]
        {
            assert!(super::needed(kept), "{kept}");
        }
        for dropped in ["pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js", "pagefind-highlight.js"] {
            assert!(!super::needed(dropped), "{dropped}");
        }
    }
}
