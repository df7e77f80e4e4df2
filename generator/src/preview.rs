//! The preview's builds. The first build, and every edit of anything but reports (templates,
//! configuration, data files, other pages, a new or deleted file), builds the whole site and
//! keeps what it loaded and rendered. An edit of reports only is applied to what was kept:
//! the report is read and rendered again, and so are exactly the pages that show something
//! of it (its own page, its neighbours' pages, the pages of listings, tags and stages it is
//! or was on) and its language's feeds; its language's search bundle follows in a second
//! step. The result is byte for byte what a whole build of the same sources makes
//! (`generator/tests/preview.rs` holds it to that).
//!
//! An edit that changes what every page of a language shares (one of the newest reports on
//! the home page, a report in the menu), where a report lies (its URL, its section, its
//! languages, whether it is a draft) or which tag pages exist is built whole instead, with
//! the reason printed. The moment the site is shown as of stays the one of the last whole
//! build.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use content_model::{ContentError, Message};

use crate::load::reload::Reloaded;
use crate::load::Site;
use crate::output::write::replace_files;
use crate::output::written::Outputs;
use crate::output::Output;
use crate::render::{render_body, Renderer, Touched, LATEST_REPORTS, STAGE_REPORTS};
use crate::reports::Reports;
use crate::views::{language_view, page_count, page_of};
use crate::{build_keeping, feed, links, search, BuildError, BuildOptions, BuildReport, Kept};

/// A built site being previewed, with what its build kept.
pub(crate) struct Preview {
    options: BuildOptions,
    kept: Kept,
    /// Where each HTML page's links are in `kept.written.pages`, by output path.
    links_at: HashMap<String, usize>,
    /// Each report's position in `site.pages`, by its file as the file watcher names it.
    reports_by_file: HashMap<PathBuf, usize>,
    /// Every page's source file, as the watcher names it.
    sources: HashSet<PathBuf>,
    /// What of the reports the pages showed after the last build or edit.
    shown: Shown,
}

/// What [`Preview::update`] did.
pub(crate) enum Update {
    /// The edit is on disk; the `search` index parts, as (language, part), follow with
    /// [`Preview::reindex`].
    Applied { files: usize, elapsed: Duration, search: Vec<(String, usize)>, warnings: Vec<ContentError> },
    /// Nothing was changed: only a whole build can apply this edit, for the reason given.
    NeedsWholeBuild(String),
    /// The edit has problems; nothing was changed, and the preview stays as it was.
    Failed(Vec<ContentError>),
}

impl Preview {
    /// Builds the whole site into `options.output_dir`, as [`crate::build`] does, and keeps
    /// what the build made for later edits.
    pub(crate) fn build(options: &BuildOptions) -> Result<(Self, BuildReport), BuildError> {
        let started = Instant::now();
        let (rendered, kept) = build_keeping(options, true)?;
        let kept = kept.ok_or_else(|| BuildError::Write(anyhow::anyhow!("the build kept nothing to preview")))?;
        let links_at =
            kept.written.pages.iter().enumerate().map(|(index, page)| (page.path().to_string(), index)).collect();
        let site = &kept.site;
        // The watcher names files by their absolute path.
        let root = std::fs::canonicalize(&site.content_dir).unwrap_or_else(|_| site.content_dir.clone());
        let on_disk =
            |page: &crate::load::Page| root.join(page.source.strip_prefix(&site.content_dir).unwrap_or(&page.source));
        let reports_by_file = site
            .pages
            .iter()
            .enumerate()
            .filter(|(_, page)| page.is_report())
            .map(|(index, page)| (on_disk(page), index))
            .collect();
        let sources = site.pages.iter().map(on_disk).collect();
        let shown = Shown::of(site, options);
        let preview = Self { options: options.clone(), kept, links_at, reports_by_file, sources, shown };
        Ok((preview, rendered.report(started)))
    }

    /// Applies an edit of the files `changed` (absolute paths, as the watcher names them).
    pub(crate) fn update(&mut self, changed: &[PathBuf]) -> Update {
        let started = Instant::now();
        let mut edited = Vec::new();
        for path in changed {
            match self.reports_by_file.get(path) {
                Some(index) => edited.push(*index),
                // An editor's temporary file, gone again, is nothing to build.
                None if !path.exists() && !self.sources.contains(path) => {}
                None => return Update::NeedsWholeBuild(format!("{} is not a report", path.display())),
            }
        }
        edited.sort_unstable();
        edited.dedup();
        if edited.is_empty() {
            return nothing(started);
        }
        let mut fresh = Vec::new();
        for index in &edited {
            match self.kept.site.reload_report(*index, &self.kept.templates) {
                Ok(Reloaded::InPlace(page, warnings)) => {
                    // Saved again as it was (editors do), or a second event of one save.
                    let unchanged = self.kept.site.pages.get(*index).is_some_and(|old| {
                        old.front == page.front && old.body == page.body && old.body_line == page.body_line
                    });
                    if unchanged {
                        continue;
                    }
                    match render_body(&self.kept.site, &page, &self.kept.fingerprints, &self.kept.pictures) {
                        Ok(body) => fresh.push((*index, *page, body, warnings)),
                        Err(errors) => return Update::Failed(errors),
                    }
                }
                Ok(Reloaded::Moved) => {
                    let source = self.kept.site.pages.get(*index).map(|page| page.source.display().to_string());
                    return Update::NeedsWholeBuild(format!(
                        "{} moves the report (its URL, section, languages or draft state changed)",
                        source.unwrap_or_default()
                    ));
                }
                Err(errors) => return Update::Failed(errors),
            }
        }
        if fresh.is_empty() {
            return nothing(started);
        }
        // Put the edit in, remembering what it replaced in case it cannot be applied.
        let fresh_indices: HashSet<usize> = fresh.iter().map(|(index, ..)| *index).collect();
        let mut replaced = Vec::new();
        let mut warnings = Vec::new();
        for (index, page, body, page_warnings) in fresh {
            warnings.extend(page_warnings.iter().cloned());
            let old_warnings: Vec<ContentError> =
                self.kept.site.warnings.iter().filter(|warning| warning.file == page.source).cloned().collect();
            let Some(old_page) = self.kept.site.replace(index, page, page_warnings) else {
                continue;
            };
            let old_body = match self.kept.bodies.get_mut(index) {
                Some(slot) => std::mem::replace(slot, body),
                None => String::new(),
            };
            replaced.push((index, old_page, old_body, old_warnings));
        }
        let edited: HashSet<usize> = fresh_indices;
        let outcome = self.apply(&edited);
        if !matches!(outcome, Ok(Ok(_))) {
            for (index, page, body, old_warnings) in replaced {
                self.kept.site.replace(index, page, old_warnings);
                if let Some(slot) = self.kept.bodies.get_mut(index) {
                    *slot = body;
                }
            }
        }
        match outcome {
            Ok(Ok((files, search))) => Update::Applied { files, elapsed: started.elapsed(), search, warnings },
            Ok(Err(why)) => Update::NeedsWholeBuild(why),
            Err(errors) => Update::Failed(errors),
        }
    }

    /// Renders and writes the pages showing the `edited` reports (positions in `site.pages`),
    /// already in the site: the number of files written and the search index parts edited; or why a
    /// whole build is needed; or the problems found, with nothing written.
    #[allow(clippy::type_complexity)]
    fn apply(
        &mut self,
        edited: &HashSet<usize>,
    ) -> Result<Result<(usize, Vec<(String, usize)>), String>, Vec<ContentError>> {
        let site = &self.kept.site;
        let shown = Shown::of(site, &self.options);
        let touched = match self.shown.touched_by(&shown, edited, site) {
            Ok(touched) => touched,
            Err(why) => return Ok(Err(why)),
        };
        let languages: Vec<String> = site
            .config
            .languages
            .iter()
            .filter(|lang| edited.iter().any(|index| site.pages.get(*index).is_some_and(|page| &page.lang == *lang)))
            .cloned()
            .collect();

        let reports = Reports::new(site);
        let renderer = Renderer::new(site, &self.kept.tera, &self.options.templates_dir, &reports, &self.options)?;
        let outputs = Outputs::collecting();
        let home = format!("{}/index.html", site.config.default_language());
        outputs.keep(home.clone());
        let mut errors = Vec::new();
        if let Err(found) = renderer.pages(&self.kept.bodies, &outputs, Some(&touched)) {
            errors.extend(found);
        }
        for listing in site.pages.iter().filter(|page| page.listing().is_some() && languages.contains(&page.lang)) {
            match feed::atom(site, listing, &self.kept.bodies, &reports) {
                Ok(feeds) => outputs.extend(feeds),
                Err(found) => errors.extend(found),
            }
            if let Err(found) = renderer.tag_pages(listing, &outputs, Some(&touched)) {
                errors.extend(found);
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        // `/` is a copy of the default language's home page.
        if let Some(home) = outputs.kept(&home) {
            outputs.push(Output::file("index.html", home));
        }
        let written = outputs.written();
        let made = outputs.take_collected();
        let source_of =
            |path: &str| self.kept.sources.get(path).cloned().unwrap_or_else(|| self.options.templates_dir.clone());
        if !written.blocked.is_empty() {
            return Err(written
                .blocked
                .into_iter()
                .map(|(path, problem)| ContentError::new(source_of(&path), problem))
                .collect());
        }
        // The site's policy is made of its pages' inline scripts: an edit that changes them
        // changes the header every page is served with.
        for output in made.iter().filter(|output| output.is_html()) {
            if written.scripted.get(&output.path) != self.kept.written.scripted.get(&output.path) {
                return Ok(Err(format!("it changes the inline scripts of /{}", output.path)));
            }
        }
        // The links of the pages made again are checked; when one of them lost or gained an
        // id, every page's are, as any page may link to a part of it.
        let mut swapped = Vec::new();
        let mut same_ids = true;
        for links in written.pages {
            let Some(at) = self.links_at.get(links.path()).copied() else {
                return Ok(Err(format!("it makes a new page, /{}", links.path())));
            };
            if let Some(slot) = self.kept.written.pages.get_mut(at) {
                same_ids &= slot.same_ids(&links);
                swapped.push((at, std::mem::replace(slot, links)));
            }
        }
        let remade: HashSet<usize> = swapped.iter().map(|(at, _)| *at).collect();
        let link_errors = links::check_links(
            &self.kept.written.pages,
            same_ids.then_some(&remade),
            &self.kept.written.files,
            &self.kept.sources,
            &self.options.templates_dir,
            &self.kept.fingerprints,
        );
        if !link_errors.is_empty() {
            for (at, links) in swapped {
                if let Some(slot) = self.kept.written.pages.get_mut(at) {
                    *slot = links;
                }
            }
            return Err(link_errors);
        }
        replace_files(&self.options.output_dir, &made).map_err(|error| {
            vec![ContentError::new(&self.options.output_dir, Message::Untranslated(format!("{error:#}")))]
        })?;
        let mut search = BTreeSet::new();
        for index in edited {
            if let (Some(page), Some(body)) = (site.pages.get(*index), self.kept.bodies.get(*index)) {
                self.kept.documents.rewrite(site, *index, body)?;
                search.insert((page.lang.clone(), self.kept.documents.parts.of_page(*index)));
            }
        }
        self.shown = shown;
        Ok(Ok((made.len(), search.into_iter().collect())))
    }

    /// Makes the `search` index parts, as (language, part), again after an edit, and puts
    /// them in place of the old ones: new files first, then the entry file that names them,
    /// then the old files no longer named are removed. Returns how many files were written.
    pub(crate) fn reindex(&mut self, search: &[(String, usize)]) -> Result<usize, Vec<ContentError>> {
        let site = &self.kept.site;
        let root = &self.options.output_dir;
        let mut written = 0;
        for (lang, part) in search {
            let bundle = self.kept.documents.bundle(site, lang, *part)?;
            let prefix = search::bundle_dir(lang, *part);
            let names: HashSet<&str> = bundle.iter().map(|file| file.path.as_str()).collect();
            // Chunk and fragment names are hashes of their contents: one already there is the same.
            let (entry, rest): (Vec<&Output>, Vec<&Output>) =
                bundle.iter().partition(|file| file.path.ends_with("pagefind-entry.json"));
            let new: Vec<Output> = rest
                .into_iter()
                .filter(|file| !self.kept.written.files.contains(&file.path) || !is_hashed(&file.path))
                .chain(entry)
                .map(|file| Output { path: file.path.clone(), bytes: file.bytes.clone() })
                .collect();
            let (first, last): (Vec<Output>, Vec<Output>) =
                new.into_iter().partition(|file| !file.path.ends_with("pagefind-entry.json"));
            let failed =
                |error: anyhow::Error| vec![ContentError::new(root, Message::Untranslated(format!("{error:#}")))];
            replace_files(root, &first).map_err(failed)?;
            replace_files(root, &last).map_err(failed)?;
            written += first.len() + last.len();
            let stale: Vec<String> = self
                .kept
                .written
                .files
                .iter()
                .filter(|path| path.starts_with(&prefix) && !names.contains(path.as_str()))
                .cloned()
                .collect();
            for path in stale {
                let _ = std::fs::remove_file(root.join(&path));
                self.kept.written.files.remove(&path);
            }
            self.kept.written.files.extend(names.into_iter().map(str::to_string));
        }
        Ok(written)
    }
}

/// An edit that changes nothing the site is made from.
fn nothing(started: Instant) -> Update {
    Update::Applied { files: 0, elapsed: started.elapsed(), search: Vec::new(), warnings: Vec::new() }
}

/// Whether a file of Pagefind's bundle is named by a hash of what it holds.
fn is_hashed(path: &str) -> bool {
    ["/index/", "/fragment/", "/filter/"].iter().any(|folder| path.contains(folder)) || path.ends_with(".pf_meta")
}

/// What of the reports the site's pages show, by position in `site.pages`: the order of each
/// listing and tag, each stage page's newest reports, and all that every page of a language
/// shares (which holds the newest reports).
struct Shown {
    /// Each language's shared view, serialized.
    shared: HashMap<String, String>,
    /// By listing (its position): reports per page, and its reports, newest first.
    lists: HashMap<usize, (usize, Vec<usize>)>,
    /// By listing: its tags in order, as (URL, name, reports newest first).
    tags: HashMap<usize, Vec<(String, String, Vec<usize>)>>,
    /// By stage page, and by home page: the reports it shows.
    stages: HashMap<usize, Vec<usize>>,
}

impl Shown {
    fn of(site: &Site, options: &BuildOptions) -> Self {
        let reports = Reports::new(site);
        let position = |page: &crate::load::Page| site.position(&page.lang, &page.canonical).unwrap_or(usize::MAX);
        let positions = |pages: &[&crate::load::Page]| pages.iter().map(|page| position(page)).collect::<Vec<_>>();
        let shared = site
            .config
            .languages
            .iter()
            .map(|lang| {
                let view = language_view(site, lang, options.now, options.pinned);
                (lang.clone(), serde_json::to_string(&view).unwrap_or_default())
            })
            .collect();
        let mut lists = HashMap::new();
        let mut tags = HashMap::new();
        let mut stages = HashMap::new();
        for (index, page) in site.pages.iter().enumerate() {
            if let Some((section, per_page)) = page.listing() {
                lists.insert(index, (per_page, positions(reports.list(&page.lang, section))));
                let listing_tags = reports
                    .tags(site, &page.lang, section)
                    .into_iter()
                    .map(|tag| (tag.url, tag.name, positions(&tag.reports)))
                    .collect();
                tags.insert(index, listing_tags);
            }
            if let Some(stage) = page.stage_page() {
                let about = reports.about_stage(&page.lang, stage);
                stages.insert(index, positions(about.get(..STAGE_REPORTS).unwrap_or(&about)));
            }
            if page.canonical == "_index" {
                stages.insert(index, positions(&reports.latest(&page.lang, LATEST_REPORTS)));
            }
        }
        Self { shared, lists, tags, stages }
    }

    /// The pages that show something of the `edited` reports, or of the order they are in,
    /// going from `self` to `now`; or why no set of pages can say it.
    fn touched_by(&self, now: &Shown, edited: &HashSet<usize>, site: &Site) -> Result<Touched, String> {
        let mut touched = Touched::default();
        for (lang, view) in &now.shared {
            if self.shared.get(lang) != Some(view) {
                return Err(format!("it changes what every page in `{lang}` shows (the menu)"));
            }
        }
        let shows_edit = |part: &[usize]| part.iter().any(|index| edited.contains(index));
        for (listing, (per_page, list)) in &now.lists {
            let before = self.lists.get(listing).map(|(_, list)| list.as_slice()).unwrap_or_default();
            if before.len() != list.len() {
                return Err("it changes how many reports a listing has".to_string());
            }
            for number in 1..=page_count(list.len(), *per_page) {
                let part = page_of(list, *per_page, number);
                if part != page_of(before, *per_page, number) || shows_edit(part) {
                    touched.listing_pages.insert((*listing, number));
                }
            }
            // A report's page links to its neighbours by title.
            let neighbours = |list: &[usize]| -> HashMap<usize, (Option<usize>, Option<usize>)> {
                list.iter()
                    .enumerate()
                    .map(|(at, index)| {
                        let newer = at.checked_sub(1).and_then(|at| list.get(at)).copied();
                        (*index, (newer, list.get(at + 1).copied()))
                    })
                    .collect()
            };
            let old = neighbours(before);
            for (index, pair) in neighbours(list) {
                let shows = edited.contains(&index)
                    || pair.0.is_some_and(|i| edited.contains(&i))
                    || pair.1.is_some_and(|i| edited.contains(&i));
                if shows || old.get(&index) != Some(&pair) {
                    touched.pages.insert(index);
                }
            }
            let tags_now = now.tags.get(listing).map(Vec::as_slice).unwrap_or_default();
            let tags_before = self.tags.get(listing).map(Vec::as_slice).unwrap_or_default();
            let names = |tags: &[(String, String, Vec<usize>)]| {
                tags.iter().map(|(url, name, _)| (url.clone(), name.clone())).collect::<Vec<_>>()
            };
            if names(tags_now) != names(tags_before) {
                return Err("it adds or removes a tag, or renames one".to_string());
            }
            let listing_url = site.pages.get(*listing).map(|page| format!("{}tags/", page.url)).unwrap_or_default();
            for ((url, name, list), (_, _, before)) in tags_now.iter().zip(tags_before) {
                if page_count(list.len(), *per_page) != page_count(before.len(), *per_page) {
                    return Err(format!("it changes how many pages the tag `{name}` has"));
                }
                if list.len() != before.len() {
                    touched.tag_pages.insert((listing_url.clone(), 0));
                }
                for number in 1..=page_count(list.len(), *per_page) {
                    let part = page_of(list, *per_page, number);
                    if part != page_of(before, *per_page, number) || shows_edit(part) {
                        touched.tag_pages.insert((url.clone(), number));
                    }
                }
            }
        }
        for (stage_page, shown) in &now.stages {
            let before = self.stages.get(stage_page);
            if before != Some(shown) || shows_edit(shown) || before.is_some_and(|before| shows_edit(before)) {
                touched.pages.insert(*stage_page);
            }
        }
        Ok(touched)
    }
}
