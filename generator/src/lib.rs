//! The School's static site generator.
//!
//! [`build`] reads `content/` and `templates/`, and writes the bilingual site:
//! load (configuration, schedule, translations, pages) → render (Markdown, then templates,
//! in parallel) → add calendars, sitemap, robots.txt and static files → check every internal
//! link → write. [`check`] runs the same steps but writes nothing. Every problem found on
//! the way is collected and reported with its file (and line where there is one).

mod calendar;
mod files;
mod form_view;
mod front_matter;
mod links;
mod load;
mod markdown;
mod new_report;
mod output;
mod render;
mod reports;
mod search;
mod serve;
mod sitemap;
mod slug;
mod source;
mod views;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, FixedOffset};
pub use content_model::ContentError;

use crate::load::{load_site, Sources};
pub use crate::new_report::{new_report, NewReport};
use crate::output::Output;
pub use crate::serve::{serve, ServeOptions};

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
}

/// What a successful build made.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub pages: usize,
    pub files: usize,
    pub elapsed: Duration,
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

impl std::error::Error for BuildError {}

/// Builds the site into `options.output_dir`, replacing what was there only on success.
pub fn build(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let (outputs, pages) = render_site(options).map_err(BuildError::Content)?;
    output::write_all(&options.output_dir, &outputs).map_err(BuildError::Write)?;
    Ok(BuildReport { pages, files: outputs.len(), elapsed: started.elapsed() })
}

/// Runs every step of a build and reports all problems, writing nothing.
pub fn check(options: &BuildOptions) -> Result<BuildReport, BuildError> {
    let started = Instant::now();
    let (outputs, pages) = render_site(options).map_err(BuildError::Content)?;
    Ok(BuildReport { pages, files: outputs.len(), elapsed: started.elapsed() })
}

fn render_site(options: &BuildOptions) -> Result<(Vec<Output>, usize), Vec<ContentError>> {
    let tera = render::load_templates(&options.templates_dir)?;
    let templates = render::template_names(&tera);
    let (site, mut errors) =
        load_site(&Sources { content_dir: &options.content_dir, templates: &templates, drafts: options.drafts })?;
    let bodies = render::render_bodies(&site).map_err(|found| errors.extend(found)).ok();
    let bodies = match bodies {
        Some(bodies) if errors.is_empty() => bodies,
        _ => return Err(errors),
    };
    let mut outputs = render::render_pages(&site, &bodies, &tera, &options.templates_dir, options)?;

    for lang in &site.config.languages {
        outputs.push(Output::file(
            &format!("{lang}/calendar.ics"),
            calendar::calendar(&site, lang, options.now).into_bytes(),
        ));
    }
    outputs.push(Output::file("sitemap.xml", sitemap::sitemap(&site).into_bytes()));
    outputs.push(Output::file("robots.txt", sitemap::robots(&site).into_bytes()));
    outputs.extend(static_files(&options.templates_dir.join("static"), |_| true)?);
    // Images and other files editors put beside the content (content/images/…).
    outputs.extend(static_files(&options.content_dir, |path| {
        !path.ends_with(".md") && !path.ends_with(".toml") && !path.starts_with("i18n/")
    })?);

    let sources: HashMap<String, PathBuf> =
        site.pages.iter().map(|page| (Output::html(&page.url, String::new()).path, page.source.clone())).collect();
    let link_errors = links::check_links(&outputs, &sources, &options.templates_dir);
    if !link_errors.is_empty() {
        return Err(link_errors);
    }
    Ok((outputs, site.pages.len()))
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
