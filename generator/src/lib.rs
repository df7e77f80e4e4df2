//! The School's static site generator.
//!
//! [`build`] reads `content/` and `templates/`, and writes the bilingual site:
//! load (configuration, schedule, translations, pages, each with its kind and template) →
//! fingerprint static files and images → render Markdown → render pages through their
//! templates → add feeds and tag pages per listing, the search index and 404 page per
//! language, the root pages, calendars, sitemap, robots.txt → check every internal link →
//! compute the Content-Security-Policy. The search index is made on a thread of its own beside
//! the rendering, from the pages' Markdown rendered to HTML, and kept between builds (see
//! `search/`). Pages are written as they are made, into a folder beside the output folder
//! (the site before, written over: only files that changed are written) that replaces the
//! output folder only once every step succeeded. `render_site` runs these steps in this
//! order, one call each. [`check`] runs the same steps but writes nothing. Every problem found on the way is collected and reported with its file (and line
//! where there is one), as a [`Message`]: the commands print it in the editor's language from
//! the catalogue [`load_catalogue`] reads. With the `deploy` feature, `deploy()` uploads a
//! built site to S3.

mod calendar;
mod catalogue;
mod content_type;
mod csp;
#[cfg(feature = "deploy")]
pub mod deploy;
mod feed;
mod files;
mod fingerprint;
mod front_matter;
mod images;
mod links;
mod load;
mod markdown;
mod new_report;
mod output;
mod preview;
mod render;
mod reports;
mod sanitize;
mod search;
mod serve;
mod sitemap;
mod slug;
mod source;
mod timings;
mod views;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
pub use content_model::{Catalogue, ContentError, Message};

pub use crate::catalogue::{default_language, load_catalogue, CATALOGUE};
#[cfg(feature = "deploy")]
pub use crate::deploy::{deploy, DeployOptions, DeploySummary};
use crate::fingerprint::Fingerprints;
use crate::load::{load_site, Sources};
pub use crate::new_report::{new_report, NewReport, Problems};
use crate::output::next_folder::NextFolder;
use crate::output::written::{Outputs, Written};
use crate::output::Output;
use crate::render::Renderer;
use crate::reports::Reports;
pub use crate::serve::{serve, IntakeLimit, ServeOptions};

/// What to build from where, and as of when.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub content_dir: PathBuf,
    pub templates_dir: PathBuf,
    pub output_dir: PathBuf,
    /// The moment the site is built as of: stage statuses and the intake depend on it.
    pub now: DateTime<FixedOffset>,
    /// True when `now` is a chosen moment (`--at`) rather than the clock: pages then keep
    /// to that moment in the browser too, instead of closing the form by the reader's clock.
    pub pinned: bool,
    /// Include pages marked `draft = true` (`serve` does, `build` does not).
    pub drafts: bool,
    /// Where encoded photos are kept between builds (`.mektep/cache`); `None` encodes every
    /// photo on every build.
    pub cache_dir: Option<PathBuf>,
}

/// What a successful build made.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub pages: usize,
    pub files: usize,
    pub elapsed: Duration,
    /// The `Content-Security-Policy` header the site must be served with: its own files,
    /// and of inline scripts exactly the ones built, by hash.
    pub content_security_policy: String,
    /// Worth an editor's look, but the site was built.
    pub warnings: Vec<ContentError>,
}

/// Why a build stopped.
#[derive(Debug)]
pub enum BuildError {
    /// Problems in content or templates, all of them.
    Content(Vec<ContentError>),
    /// The site could not be written.
    Write(anyhow::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Content(errors) => {
                for error in errors {
                    writeln!(f, "error: {error}")?;
                }
                let noun = if errors.len() == 1 { "problem" } else { "problems" };
                write!(f, "{} {noun} found; nothing was written", errors.len())
            }
            BuildError::Write(err) => write!(f, "error: {err:#}"),
        }
    }
}

impl BuildError {
    /// What the editor reads: every problem in the catalogue's language, then how many there
    /// were. A failure to write the site stays in English.
    pub fn in_language(&self, catalogue: &Catalogue) -> String {
        match self {
            BuildError::Content(errors) => {
                let mut text = String::new();
                for error in errors {
                    text.push_str(&catalogue.error(error));
                    text.push('\n');
                }
                text + &catalogue.text(&Message::ProblemsFound { count: errors.len().to_string() })
            }
            BuildError::Write(_) => self.to_string(),
        }
    }
}

impl std::error::Error for BuildError {}

/// Builds the site into `options.output_dir`, replacing what was there only on success.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let (site, _) = build_keeping(options, false)?;
    Ok(site.report(started))
}

/// [`build`], keeping what the preview needs when `for_preview`.
fn build_keeping(options: &BuildOptions, for_preview: bool) -> Result<(RenderedSite, Option<Kept>), BuildError> {
    // Pages are written as they are made, into a folder swapped in once all is good.
    let mut timings = timings::Timings::start();
    let next = NextFolder::create(&options.output_dir).map_err(BuildError::Write)?;
    timings.step("output folder found");
    let outputs = Outputs::into_folder(&next);
    let built = match render_site(options, &outputs, for_preview) {
        Ok(built) => built,
        Err(errors) => {
            next.discard();
            return Err(BuildError::Content(errors));
        }
    };
    if let Some(err) = outputs.take_error() {
        next.discard();
        return Err(BuildError::Write(err));
    }
    timings.step("site made");
    next.swap_in(&built.0.made).map_err(BuildError::Write)?;
    timings.step("old files removed, swapped");
    Ok(built)
}

/// Runs every step of a build and reports all problems, writing nothing.
pub fn check(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let (site, _) = render_site(options, &Outputs::checked_only(), false).map_err(BuildError::Content)?;
    Ok(site.report(started))
}

/// What the report says about the files of the site.
struct RenderedSite {
    /// Every output's path.
    made: std::collections::HashSet<String>,
    pages: usize,
    content_security_policy: String,
    warnings: Vec<ContentError>,
}

impl RenderedSite {
    fn report(self, started: Instant) -> BuildReport {
        BuildReport {
            pages: self.pages,
            files: self.made.len(),
            elapsed: started.elapsed(),
            content_security_policy: self.content_security_policy,
            warnings: self.warnings,
        }
    }
}

/// What a build holds at its end that the preview keeps, to apply an edit to instead of
/// building again (see [`preview`]).
pub(crate) struct Kept {
    site: load::Site,
    tera: tera::Tera,
    templates: std::collections::HashSet<String>,
    bodies: Vec<String>,
    documents: search::Documents,
    fingerprints: Fingerprints,
    pictures: images::Pictures,
    written: Written,
    /// The content file behind each page's output path.
    sources: HashMap<String, PathBuf>,
}

fn render_site(
    options: &BuildOptions,
    outputs: &Outputs,
    for_preview: bool,
) -> Result<(RenderedSite, Option<Kept>), Vec<ContentError>> {
    let mut timings = timings::Timings::start();
    let mut tera = render::load_templates(&options.templates_dir)?;
    let templates = render::template_names(&tera);
    let (site, mut errors) =
        load_site(&Sources { content_dir: &options.content_dir, templates: &templates, drafts: options.drafts })?;
    // Static files and the images beside the content are read first: pages point at them by
    // their fingerprinted names.
    let mut assets = static_files(&options.templates_dir.join("static"), |_| true)?;
    let (content_files, prepared) = images::prepare(
        static_files(&options.content_dir, |path| {
            !path.ends_with(".md") && !path.ends_with(".toml") && !path.starts_with("i18n/")
        })?,
        options.cache_dir.as_deref(),
    );
    assets.extend(content_files);
    let fingerprints = Fingerprints::apply(&mut assets);
    let pictures = prepared.published(&fingerprints);
    tera.register_function("asset", asset_function(fingerprints.clone(), &assets));
    timings.step("load, assets, images");
    let bodies = render::render_bodies(&site, &fingerprints, &pictures).map_err(|found| errors.extend(found)).ok();
    // A picture that cannot be published and that no page shows is still the editor's to
    // mend: it was put in content/ to be published.
    if errors.is_empty() {
        errors.extend(pictures.refusals().map(|(path, refusal)| {
            ContentError::new(options.content_dir.join(path), markdown::picture_refused(refusal))
        }));
    }
    let bodies = match bodies {
        Some(bodies) if errors.is_empty() => bodies,
        _ => return Err(errors),
    };

    timings.step("markdown");
    outputs.extend(assets);
    // The search index is the heaviest step and needs only the pages' text: it is made on a
    // thread of its own while the pages are rendered and written (mostly waiting for the
    // file system), and is published only if they are good. Parts whose bundles are in the
    // cache are taken from there. Its files are written through outputs of their own, so that
    // the pages' link check sees the same files however far the index has got; a content
    // link into a search bundle is refused, as when the index came last.
    let documents_made = search::Documents::write(&site, &bodies, options.cache_dir.as_deref(), for_preview)?;
    timings.step("search documents");
    let search_outputs = outputs.beside();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (documents, site_ref, bodies_ref, search_outputs_ref, stop_ref) =
        (&documents_made, &site, &bodies, &search_outputs, &stop);
    let (made, content_security_policy, written, sources) = std::thread::scope(|scope| {
        let searching = scope.spawn(move || {
            let mut timings = timings::Timings::start();
            let result = if for_preview {
                documents.bundles(site_ref, bodies_ref, search_outputs_ref)
            } else {
                documents.bundles_once(site_ref, bodies_ref, search_outputs_ref, stop_ref)
            };
            timings.step("search index (beside pages)");
            result
        });
        let pages = render_pages(options, &site, &tera, &bodies, &fingerprints, outputs, for_preview);
        // Pages that failed publish nothing: the index need not be finished.
        stop.store(pages.is_err(), std::sync::atomic::Ordering::Relaxed);
        timings.step("pages, links, policy");
        let searched = searching.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        timings.step("search index done");
        outputs.take_over(&search_outputs);
        match (pages, searched) {
            (Ok((content_security_policy, mut written, sources)), Ok(())) => {
                written.files.extend(outputs.written().files);
                let made = if for_preview { written.files.clone() } else { std::mem::take(&mut written.files) };
                Ok((made, content_security_policy, written, sources))
            }
            (Err(mut errors), Err(search)) => {
                errors.extend(search);
                Err(errors)
            }
            (Err(errors), Ok(())) | (Ok(_), Err(errors)) => Err(errors),
        }
    })?;
    let pages = site.pages.len();
    let warnings = site.warnings.clone();
    let rendered = RenderedSite { made, pages, content_security_policy, warnings };
    let kept = for_preview.then(|| Kept {
        site,
        tera,
        templates,
        bodies,
        documents: documents_made,
        fingerprints,
        pictures,
        written,
        sources,
    });
    Ok((rendered, kept))
}

/// Renders and writes every page, feed, tag page, the root pages, calendars, sitemap and
/// robots.txt, then checks every internal link and what the Content-Security-Policy allows.
/// Gives the site's policy, what was written and the content file behind each page; a
/// build (not `for_preview`) keeps of what was written only the files' paths.
fn render_pages(
    options: &BuildOptions,
    site: &load::Site,
    tera: &tera::Tera,
    bodies: &[String],
    fingerprints: &Fingerprints,
    outputs: &Outputs,
    for_preview: bool,
) -> Result<(String, Written, HashMap<String, PathBuf>), Vec<ContentError>> {
    let mut errors = Vec::new();
    let reports = Reports::new(site);
    let renderer = Renderer::new(site, tera, &options.templates_dir, &reports, options)?;
    // `/` and `/404.html` are the default language's (its home page names /<lang>/ as canonical).
    let default = site.config.default_language();
    for root in ["index.html", "404.html"] {
        outputs.keep(format!("{default}/{root}"));
    }
    // Template errors are collected across steps, so one build shows them all. Each step
    // writes its outputs as it makes them.
    let mut keep = |step: Result<Vec<Output>, Vec<ContentError>>| {
        step.unwrap_or_else(|found| {
            errors.extend(found);
            Vec::new()
        })
    };
    outputs.extend(keep(renderer.pages(bodies, outputs, None).map(|()| Vec::new())));
    // Each listing of reports has a feed and tag pages.
    for listing in site.pages.iter().filter(|page| page.listing().is_some()) {
        outputs.extend(keep(feed::atom(site, listing, bodies, &reports)));
        outputs.extend(keep(renderer.tag_pages(listing, outputs, None).map(|()| Vec::new())));
    }
    for lang in &site.config.languages {
        outputs.extend(keep(renderer.not_found(lang)));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for root in ["index.html", "404.html"] {
        if let Some(bytes) = outputs.kept(&format!("{default}/{root}")) {
            outputs.push(Output::file(root, bytes));
        }
    }
    for lang in &site.config.languages {
        outputs.push(Output::file(
            &format!("{lang}/calendar.ics"),
            calendar::calendar(site, lang, options.now).into_bytes(),
        ));
    }
    outputs.push(Output::file("sitemap.xml", sitemap::sitemap(site).into_bytes()));
    outputs.push(Output::file("robots.txt", sitemap::robots(site).into_bytes()));

    let mut written = outputs.written();
    let sources: HashMap<String, PathBuf> =
        site.pages.iter().map(|page| (output::page_path(&page.url), page.source.clone())).collect();
    let link_errors =
        links::check_links(&written.pages, None, &written.files, &sources, &options.templates_dir, fingerprints);
    if !link_errors.is_empty() {
        return Err(link_errors);
    }
    // One page of each kind of inline scripts needs what all of them need.
    let (content_security_policy, _) = csp::content_security_policy(&written.policy_pages);
    if !written.blocked.is_empty() {
        return Err(std::mem::take(&mut written.blocked)
            .into_iter()
            .map(|(path, problem)| {
                let source = sources.get(&path).map(PathBuf::as_path).unwrap_or(&options.templates_dir);
                ContentError::new(source, problem)
            })
            .collect());
    }
    if for_preview {
        Ok((content_security_policy, written, sources))
    } else {
        // A build lets go of what only the checks needed (every page's links and sources)
        // while the search index may still be in the making.
        written.pages = Vec::new();
        Ok((content_security_policy, written, HashMap::new()))
    }
}

/// `{{ asset(path="/style.css") }}` in a template: the URL the file is published at.
fn asset_function(fingerprints: Fingerprints, assets: &[Output]) -> impl tera::Function {
    let published: std::collections::HashSet<String> = assets.iter().map(|asset| format!("/{}", asset.path)).collect();
    move |args: &HashMap<String, tera::Value>| -> tera::Result<tera::Value> {
        let path = args
            .get("path")
            .and_then(tera::Value::as_str)
            .ok_or_else(|| tera::Error::msg("asset() needs a path: asset(path=\"/style.css\")"))?;
        match fingerprints.url(path) {
            Some(url) => Ok(url.into()),
            None if published.contains(path) => Ok(path.into()),
            None => Err(tera::Error::msg(format!(
                "asset(path=\"{path}\"): there is no such file in templates/static/ or content/"
            ))),
        }
    }
}

/// Files below `dir` that `wanted` names are copied to the site's root as they are.
fn static_files(dir: &Path, wanted: impl Fn(&str) -> bool) -> Result<Vec<Output>, Vec<ContentError>> {
    let (files, errors) = files::read_files(dir, wanted);
    if errors.is_empty() {
        Ok(files.into_iter().map(|(path, bytes)| Output::file(&path, bytes)).collect())
    } else {
        Err(errors)
    }
}
