//! The search index: a Pagefind bundle per language under `/<lang>/pagefind/`, built in the
//! same process from each page's rendered content. Pagefind splits its index into chunks by
//! word, so a search loads the language's small metadata file, the chunks holding the query's
//! words and the fragments of the results it shows: about 150 KB with 2,000 reports per
//! language (tests/e2e/search.test.mjs measures it), where one JSON file of every page grew
//! with the site. Each language has its own bundle, so a Kyrgyz search loads nothing Russian.

use std::path::Path;

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;

use crate::load::{Page, Site};
use crate::output::{page_path, Output};
use crate::ContentError;

/// The folder of a language's bundle inside the site: `ky/pagefind/`.
pub(crate) fn bundle_dir(lang: &str) -> String {
    format!("{lang}/pagefind/")
}

/// Every language's bundle; `bodies` are the pages' HTML in `site.pages` order, the last
/// use of them: they are dropped once written out, before Pagefind builds its indexes, which
/// is when a build needs the most memory.
pub(crate) fn indexes(site: &Site, bodies: Vec<String>) -> Result<Vec<Output>, Vec<ContentError>> {
    let documents = Documents::write(site, &bodies)?;
    drop(bodies);
    let mut outputs = Vec::new();
    for lang in &site.config.languages {
        outputs.extend(documents.bundle(site, lang)?);
    }
    Ok(outputs)
}

/// Every page's search document (below), written to a scratch folder at its page's path, from
/// which Pagefind indexes one language at a time. Its folder indexing parses the documents on
/// every core and keeps them once; adding pages one by one through its API holds a lock per
/// page, keeps a second copy of each, and looks every new URL up in a list of all the pages
/// before it, which made indexing grow with the square of the page count.
///
/// The preview keeps the folder between edits: an edited report rewrites its own document,
/// and only its language's bundle is made again.
pub(crate) struct Documents {
    scratch: tempfile::TempDir,
}

impl Documents {
    pub(crate) fn write(site: &Site, bodies: &[String]) -> Result<Self, Vec<ContentError>> {
        let scratch = write_documents(site, bodies).map_err(|error| failed(site, "could not be prepared", &error))?;
        Ok(Self { scratch })
    }

    /// Writes `page`'s document again, over the old one: the folder keeps its order.
    pub(crate) fn rewrite(&self, site: &Site, page: &Page, body: &str) -> Result<(), Vec<ContentError>> {
        let path = self.scratch.path().join(page_path(&page.url));
        std::fs::write(&path, document(site, page, body))
            .map_err(|error| failed(site, "could not be updated", &format!("{}: {error}", path.display())))
    }

    /// The bundle of `lang`, as outputs under [`bundle_dir`].
    pub(crate) fn bundle(&self, site: &Site, lang: &str) -> Result<Vec<Output>, Vec<ContentError>> {
        // Pagefind's API is async only, and it parses on Rayon's threads: its own runtime on
        // this thread keeps those threads free for it.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| failed(site, "could not start", &error))?;
        let documents = site.pages.iter().filter(|page| page.lang == lang).count();
        runtime
            .block_on(language_index(self.scratch.path(), lang, documents))
            .map_err(|error| failed(site, &format!("of `{lang}` could not be built"), &format!("{error:#}")))
    }
}

fn failed(site: &Site, what: &str, error: &dyn std::fmt::Display) -> Vec<ContentError> {
    vec![ContentError::new(&site.content_dir, format!("the search index {what}: {error}"))]
}

/// Every page's search document, at its page's path in a scratch folder that is removed when
/// dropped. The folder is in memory-backed `/dev/shm` where the system has one (tens of
/// thousands of small files cost much less there than on ext4: at 5,000 reports per language
/// the build took 14.5 s instead of 26 s here); when that is missing or full, in the system's
/// temporary folder.
fn write_documents(site: &Site, bodies: &[String]) -> std::io::Result<tempfile::TempDir> {
    sweep_scratch(Sweep::Abandoned);
    let prefix = scratch_prefix(std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(folder) = builder.tempdir_in(shm) {
            if write_all(folder.path(), site, bodies).is_ok() {
                return Ok(folder);
            }
        }
    }
    let folder = builder.tempdir()?;
    write_all(folder.path(), site, bodies)?;
    Ok(folder)
}

/// The start of the names of a process's scratch folders: its id tells whether they are still
/// in use.
fn scratch_prefix(pid: u32) -> String {
    format!("{SCRATCH}{pid}-")
}

const SCRATCH: &str = "mektep-search-";

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
            let Some(pid) = name.strip_prefix(SCRATCH).and_then(|rest| rest.split('-').next()?.parse::<u32>().ok())
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
fn write_all(scratch: &Path, site: &Site, bodies: &[String]) -> std::io::Result<()> {
    for (page, body) in site.pages.iter().zip(bodies) {
        let path = scratch.join(page_path(&page.url));
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, document(site, page, body)));
        written.map_err(|error| std::io::Error::new(error.kind(), format!("{}: {error}", path.display())))?;
    }
    Ok(())
}

/// The bundle of one language, as outputs under [`bundle_dir`].
/// `documents` is how many pages of the language were written: Pagefind skips a file it
/// cannot read or parse with a log line only, which would leave a page unfindable unseen.
async fn language_index(scratch: &Path, lang: &str, documents: usize) -> anyhow::Result<Vec<Output>> {
    // Pagefind stems the languages it has a Snowball stemmer for, Russian among them. It has
    // none for Kyrgyz: told `ky`, it indexes words as written (its bundle then loads the
    // generic WebAssembly, `wasm.unknown.pagefind`), and its search matches words by prefix,
    // so `кеңешк` finds `кеңешке`.
    let options = PagefindServiceConfig::builder().force_language(lang.to_string()).build();
    let mut index = PagefindIndex::new(Some(options))?;
    // URLs are the documents' paths below the scratch folder: `/ky/reports/x/`.
    let indexed = index.add_directory(scratch.to_string_lossy().to_string(), Some(format!("{lang}/**/*.html"))).await?;
    if indexed != documents {
        anyhow::bail!("Pagefind indexed {indexed} of the language's {documents} pages");
    }
    let files = index.get_files().await?;
    Ok(files
        .into_iter()
        .filter(|file| needed(&file.filename.to_string_lossy()))
        .map(|file| {
            let name = file.filename.to_string_lossy().replace('\\', "/");
            Output::file(&format!("{}{name}", bundle_dir(lang)), file.contents)
        })
        .collect())
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
        let unrelated = folder("mektep-search-notes".to_string());
        sweep_in(&[dir.path()], Sweep::Abandoned, 4_999_998);
        assert!(!gone.exists(), "the folder of a process that is gone");
        assert!(running.exists() && own.exists() && unrelated.exists());
        sweep_in(&[dir.path()], Sweep::Own, 4_999_998);
        assert!(!own.exists() && running.exists() && unrelated.exists());
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
