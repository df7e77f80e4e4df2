//! Markdown bodies and Tera templates to HTML, in parallel.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use content_model::{ContentError, Message};
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use crate::files::read_files;
use crate::fingerprint::Fingerprints;
use crate::images::Pictures;
use crate::load::{Page, Site};
use crate::markdown;
use crate::output::written::Outputs;
use crate::output::Output;
use crate::reports::{Reports, Tag};
use crate::views::{
    language_view, page_count, page_of, paginator, report_view, summary, LanguageLink, LanguageView, Link, PageView,
    ReportSummary,
};

/// How many of the newest reports the home page shows, as `latest_reports`.
pub(crate) const LATEST_REPORTS: usize = 3;

/// How many of a stage's newest reports its page shows, as `stage_reports`.
pub(crate) const STAGE_REPORTS: usize = 10;

/// Loads every `*.html` under `templates/` (not `templates/static/`), named by relative path.
pub(crate) fn load_templates(dir: &Path) -> Result<Tera, Vec<ContentError>> {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html"]);
    tera.set_escape_fn(content_model::escape_html);
    let (files, mut errors) = read_files(dir, |name| name.ends_with(".html") && !name.starts_with("static/"));
    let mut sources = Vec::new();
    for (name, bytes) in files {
        match String::from_utf8(bytes) {
            Ok(text) => sources.push((name, text)),
            Err(_) => {
                errors.push(ContentError::new(dir.join(&name), Message::Untranslated("is not UTF-8 text".into())))
            }
        }
    }
    if let Err(err) = tera.add_raw_templates(sources) {
        errors.push(ContentError::new(dir, Message::Untranslated(content_model::with_causes(&err))));
    }
    if errors.is_empty() {
        Ok(tera)
    } else {
        Err(errors)
    }
}

pub(crate) fn template_names(tera: &Tera) -> HashSet<String> {
    tera.get_template_names().map(str::to_string).collect()
}

/// Renders every page's Markdown to HTML, resolving `@/` links per language and pointing
/// images at their fingerprinted names.
pub(crate) fn render_bodies(
    site: &Site,
    fingerprints: &Fingerprints,
    pictures: &Pictures,
) -> Result<Vec<String>, Vec<ContentError>> {
    let bodies: Vec<Result<String, Vec<ContentError>>> =
        site.pages.par_iter().map(|page| render_body(site, page, fingerprints, pictures)).collect();
    let mut errors = Vec::new();
    let bodies: Vec<String> =
        bodies.into_iter().filter_map(|body| body.map_err(|found| errors.extend(found)).ok()).collect();
    if errors.is_empty() {
        Ok(bodies)
    } else {
        Err(errors)
    }
}

/// One page's Markdown to HTML, as [`render_bodies`] does it, for a page edited in the preview.
pub(crate) fn render_body(
    site: &Site,
    page: &Page,
    fingerprints: &Fingerprints,
    pictures: &Pictures,
) -> Result<String, Vec<ContentError>> {
    let assets = markdown::Assets { content_dir: &site.content_dir, fingerprints, pictures };
    markdown::render(&page.source, &page.body, page.body_line, &assets, |file| {
        let canonical = file.strip_suffix(".md")?;
        match site.page(&page.lang, canonical) {
            Some(target) => Some(target.url.clone()),
            None => site.unreadable.contains(canonical).then(|| "#".to_string()),
        }
    })
}

/// What rendering a page needs besides the page: the templates, the reports, and what every
/// page of a language shares, serialized once. Each rendering thread clones a language's
/// shared context once and then only adds and takes off each page's own keys, so no page
/// copies site-wide data.
pub(crate) struct Renderer<'a> {
    site: &'a Site,
    tera: &'a Tera,
    templates_dir: &'a Path,
    reports: &'a Reports<'a>,
    views: HashMap<&'a str, LanguageView<'a>>,
    shared: HashMap<&'a str, Context>,
    children: HashMap<(&'a str, &'a str), Vec<Link>>,
    /// Every report as listings show it, by (language, canonical path); made once.
    summaries: HashMap<(&'a str, &'a str), ReportSummary>,
}

/// The pages an edit touched, for the preview to render again; `None` in their place renders
/// every page of a step.
#[derive(Default, Debug, PartialEq, Eq)]
pub(crate) struct Touched {
    /// Content pages (not listings), by position in `site.pages`.
    pub(crate) pages: HashSet<usize>,
    /// Pages of listings: (the listing's position in `site.pages`, page number from 1).
    pub(crate) listing_pages: HashSet<(usize, usize)>,
    /// Pages of tags, by (the tag's URL, page number from 1); a listing's tag index by
    /// (its URL, 0).
    pub(crate) tag_pages: HashSet<(String, usize)>,
}

/// One thread's contexts, one per language, each the shared part cloned once.
type Contexts<'a> = HashMap<&'a str, Context>;

/// One page rendered by [`Renderer::pages`]: a content page, or page `number` of a listing.
enum Job<'p> {
    Page(&'p Page, &'p str),
    Listing(&'p Page, &'p str, usize),
}

impl Job<'_> {
    /// The content page rendered.
    fn page(&self) -> &Page {
        match self {
            Job::Page(page, _) | Job::Listing(page, _, _) => page,
        }
    }
}

/// One page rendered by [`Renderer::tag_pages`]: the tag index, or page `number` of a tag.
enum TagJob<'t, 'p> {
    Index,
    Tag(&'t Tag<'p>, usize),
}

impl<'a> Renderer<'a> {
    pub(crate) fn new(
        site: &'a Site,
        tera: &'a Tera,
        templates_dir: &'a Path,
        reports: &'a Reports<'a>,
        options: &crate::BuildOptions,
    ) -> Result<Self, Vec<ContentError>> {
        let views: HashMap<&str, LanguageView> = site
            .config
            .languages
            .iter()
            .map(|lang| (lang.as_str(), language_view(site, lang, options.now, options.pinned)))
            .collect();
        let mut shared = HashMap::new();
        for (lang, view) in &views {
            let context = Context::from_serialize(view).map_err(|err| {
                vec![ContentError::new(templates_dir, Message::Untranslated(content_model::with_causes(&err)))]
            })?;
            shared.insert(*lang, context);
        }
        let summaries = site
            .pages
            .par_iter()
            .filter(|page| page.is_report())
            .filter_map(|page| {
                let view = views.get(page.lang.as_str())?;
                Some(((page.lang.as_str(), page.canonical.as_str()), summary(site, &view.schedule.stages, page)))
            })
            .collect();
        Ok(Self { site, tera, templates_dir, reports, views, shared, children: children_by_section(site), summaries })
    }

    fn render(&self, template: &str, context: &Context, source: &Path) -> Result<String, ContentError> {
        self.tera.render(template, context).map_err(|err| {
            ContentError::new(
                self.templates_dir.join(template),
                Message::Untranslated(format!(
                    "while rendering {}: {}",
                    source.display(),
                    content_model::with_causes(&err)
                )),
            )
        })
    }

    /// The view of `lang` and this thread's context of it, ready for one page's own keys.
    /// Views exist for every language of content/config.toml, and pages are in those languages.
    fn language<'c>(
        &self,
        contexts: &'c mut Contexts<'a>,
        lang: &str,
        source: &Path,
    ) -> Result<(&LanguageView<'a>, PageContext<'c>), ContentError> {
        let missing = || {
            ContentError::new(
                source,
                Message::Untranslated(format!("`{lang}` is not one of the site's languages in content/config.toml")),
            )
        };
        let (key, view) = self.views.get_key_value(lang).ok_or_else(missing)?;
        let context = match contexts.entry(*key) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) => entry.insert(self.shared.get(key).cloned().ok_or_else(missing)?),
        };
        Ok((view, PageContext { context, own: Vec::new() }))
    }

    /// The summaries of `list`, in its order.
    fn summaries<'s>(&'s self, list: &[&'a Page]) -> Vec<&'s ReportSummary> {
        list.iter().filter_map(|page| self.summaries.get(&(page.lang.as_str(), page.canonical.as_str()))).collect()
    }

    /// Every content page through its template, in parallel, each written as it is done; a
    /// listing page by page. `bodies` are the pages' HTML in `site.pages` order.
    /// With `only`, just the pages it names.
    pub(crate) fn pages(
        &self,
        bodies: &[String],
        outputs: &Outputs,
        only: Option<&Touched>,
    ) -> Result<(), Vec<ContentError>> {
        let site = self.site;
        let mut jobs = Vec::new();
        for (index, (page, body)) in site.pages.iter().zip(bodies).enumerate() {
            match page.listing() {
                None if only.is_none_or(|only| only.pages.contains(&index)) => {
                    jobs.push(Job::Page(page, body.as_str()))
                }
                None => {}
                Some((section, per_page)) => {
                    let count = page_count(self.reports.list(&page.lang, section).len(), per_page);
                    jobs.extend(
                        (1..=count)
                            .filter(|number| only.is_none_or(|only| only.listing_pages.contains(&(index, *number))))
                            .map(|number| Job::Listing(page, body.as_str(), number)),
                    );
                }
            }
        }
        let batch = outputs.batch();
        let errors: Vec<(Option<&Path>, ContentError)> = jobs
            .par_iter()
            .enumerate()
            .map_init(Contexts::new, |contexts, (index, job)| {
                let (page, body) = match job {
                    Job::Page(page, body) | Job::Listing(page, body, _) => (*page, *body),
                };
                let (view, mut context) = self.language(contexts, &page.lang, &page.source)?;
                self.add_page(&mut context, view, page, body);
                let url = match job {
                    Job::Page(..) => page.url.clone(),
                    Job::Listing(_, _, number) => {
                        let (section, per_page) = page.listing().unwrap_or_default();
                        let list = self.reports.list(&page.lang, section);
                        let items = self.summaries(page_of(list, per_page, *number));
                        let paginator = paginator(list.len(), items, per_page, *number, &page.url);
                        context.insert("paginator", &paginator);
                        paginator.url
                    }
                };
                let html = self.render(&page.template, context.context, &page.source)?;
                outputs.write((batch, index), Output::html(&url, html));
                Ok(())
            })
            .enumerate()
            .filter_map(|(index, result)| Some((jobs.get(index).map(|job| job.page().source.as_path()), result.err()?)))
            .collect();
        first_per_page(errors)
    }

    /// The tag index of a listing and each tag's reports, page by page, each written as it
    /// is done.
    /// With `only`, just the pages it names.
    pub(crate) fn tag_pages(
        &self,
        listing: &Page,
        outputs: &Outputs,
        only: Option<&Touched>,
    ) -> Result<(), Vec<ContentError>> {
        let site = self.site;
        let Some((section, per_page)) = listing.listing() else {
            return Ok(());
        };
        let lang = listing.lang.as_str();
        let listing_link = Link { title: listing.front.title.clone(), url: listing.url.clone() };
        let tags = self.reports.tags(site, lang, section);
        let tag_links: Vec<Link> = tags
            .iter()
            .map(|tag| Link { title: format!("{} ({})", tag.name, tag.reports.len()), url: tag.url.clone() })
            .collect();
        let index_url = format!("{}tags/", listing.url);
        let translation = site.translation(lang);
        let wanted =
            |url: &str, number: usize| only.is_none_or(|only| only.tag_pages.contains(&(url.to_string(), number)));
        let mut jobs = Vec::new();
        if wanted(&index_url, 0) {
            jobs.push(TagJob::Index);
        }
        for tag in &tags {
            jobs.extend(
                (1..=page_count(tag.reports.len(), per_page))
                    .filter(|number| wanted(&tag.url, *number))
                    .map(|number| TagJob::Tag(tag, number)),
            );
        }
        let batch = outputs.batch();
        let errors: Vec<(Option<&str>, ContentError)> = jobs
            .par_iter()
            .enumerate()
            .map_init(Contexts::new, |contexts, (index, job)| {
                let (view, mut context) = self.language(contexts, lang, &listing.source)?;
                context.insert("listing", &listing_link);
                let (template, url) = match job {
                    TagJob::Index => {
                        let description = translation.get("tags_description").to_string();
                        insert_plain_page(&mut context, site, view, &listing.front.title, &index_url, description);
                        context.insert("tags", &tag_links);
                        ("tags.html", index_url.clone())
                    }
                    TagJob::Tag(tag, number) => {
                        let description = translation.get("tag_description").replace("{tag}", &tag.name);
                        insert_plain_page(&mut context, site, view, &tag.name, &tag.url, description);
                        context.insert("tags_url", &index_url);
                        let items = self.summaries(page_of(&tag.reports, per_page, *number));
                        let paginator = paginator(tag.reports.len(), items, per_page, *number, &tag.url);
                        context.insert("paginator", &paginator);
                        ("tag.html", paginator.url)
                    }
                };
                let html = self.render(template, context.context, &listing.source)?;
                outputs.write((batch, index), Output::html(&url, html));
                Ok(())
            })
            .enumerate()
            .filter_map(|(index, result)| {
                let tag = match jobs.get(index) {
                    Some(TagJob::Tag(tag, _)) => Some(tag.url.as_str()),
                    _ => None,
                };
                Some((tag, result.err()?))
            })
            .collect();
        first_per_page(errors)
    }

    /// The 404 page of `lang`, at `/<lang>/404.html`.
    pub(crate) fn not_found(&self, lang: &str) -> Result<Vec<Output>, Vec<ContentError>> {
        let mut contexts = Contexts::new();
        let config = self.site.content_dir.join("config.toml");
        let (view, mut context) = self.language(&mut contexts, lang, &config).map_err(|err| vec![err])?;
        context.insert("translations", &view.languages);
        let html = self.render("404.html", context.context, self.templates_dir).map_err(|err| vec![err])?;
        Ok(vec![Output::file(&format!("{lang}/404.html"), html.into_bytes())])
    }

    fn add_page(&self, context: &mut PageContext, view: &LanguageView, page: &Page, body: &str) {
        let (site, reports, children) = (self.site, self.reports, &self.children);
        // A language the page is not written in is named, with a notice instead of a link.
        let translations: Vec<LanguageLink> = site
            .config
            .languages
            .iter()
            .map(|lang| {
                let other = site.page(lang, &page.canonical);
                LanguageLink {
                    lang,
                    name: &site.translation(lang).name,
                    url: other.map(|other| other.url.clone()).unwrap_or_default(),
                    permalink: other.map(|other| format!("{}{}", site.config.base_url, other.url)).unwrap_or_default(),
                    current: *lang == page.lang,
                }
            })
            .filter(|link| !link.url.is_empty())
            .collect();
        let missing: Vec<&str> = site
            .config
            .languages
            .iter()
            .filter(|lang| site.page(lang, &page.canonical).is_none())
            .map(|lang| site.translation(lang).name.as_str())
            .collect();
        let stage = page.front.stage.as_deref().and_then(|id| view.schedule.stages.iter().find(|stage| stage.id == id));
        let page_view = PageView {
            title: &page.front.title,
            // Every page has one: search engines show it under the title.
            description: page
                .front
                .description
                .clone()
                .or_else(|| page.front.summary.clone())
                .or_else(|| markdown::description(&page.body)),
            content: body,
            url: &page.url,
            permalink: format!("{}{}", site.config.base_url, page.url),
            includes: &page.front.includes,
            stage,
            children: page
                .section_dir()
                .and_then(|dir| children.get(&(page.lang.as_str(), dir)))
                .map_or(&[], Vec::as_slice),
        };
        context.insert("page", &page_view);
        context.insert("translations", &translations);
        context.insert("missing_languages", &missing);
        if page.is_report() {
            let report = self
                .summaries
                .get(&(page.lang.as_str(), page.canonical.as_str()))
                .and_then(|summary| report_view(site, reports, summary, page));
            context.insert("report", &report);
        }
        if page.canonical == "_index" {
            let latest = reports.latest(&page.lang, LATEST_REPORTS);
            context.insert("latest_reports", &self.summaries(&latest));
        }
        if let Some(stage) = page.stage_page() {
            // The newest few; the listing has the rest.
            let about = reports.about_stage(&page.lang, stage);
            let about: Vec<&ReportSummary> = self.summaries(about.get(..STAGE_REPORTS).unwrap_or(&about));
            context.insert("stage_reports", &about);
        }
        // The heavy parts only where a template shows them.
        if page.template == "form.html" || page.front.includes.iter().any(|name| name == "form-questions") {
            context.insert("form", &view.form);
        }
        if page.front.includes.iter().any(|name| name == "criteria") {
            context.insert("criteria", &view.criteria);
        }
    }
}

/// The errors of a step, the first of each page only: a listing that cannot be rendered
/// fails the same way on every one of its pages. `errors` are in job order, each with the
/// page it renders.
fn first_per_page<K: PartialEq>(mut errors: Vec<(K, ContentError)>) -> Result<(), Vec<ContentError>> {
    errors.dedup_by(|later, earlier| later.0 == earlier.0);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.into_iter().map(|(_, error)| error).collect())
    }
}

/// A language's shared context with one page's own keys on top; they are taken off again
/// when the page is done. Page keys never share a name with a [`LanguageView`] field.
struct PageContext<'c> {
    context: &'c mut Context,
    own: Vec<&'static str>,
}

impl PageContext<'_> {
    fn insert<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        self.context.insert(key, value);
        self.own.push(key);
    }
}

impl Drop for PageContext<'_> {
    fn drop(&mut self) {
        for key in &self.own {
            self.context.remove(key);
        }
    }
}

/// The pages directly in each section, per language, in menu order; dated sections are
/// listed by their paginator instead.
fn children_by_section(site: &Site) -> HashMap<(&str, &str), Vec<Link>> {
    let mut children: HashMap<(&str, &str), Vec<&Page>> = HashMap::new();
    for page in site.pages.iter().filter(|page| !page.is_report()) {
        if let Some(parent) = page.parent_section() {
            if page.section_dir() != Some(parent) {
                children.entry((page.lang.as_str(), parent)).or_default().push(page);
            }
        }
    }
    children
        .into_iter()
        .map(|(key, mut pages)| {
            pages.sort_by(|a, b| (a.front.weight, &a.front.title).cmp(&(b.front.weight, &b.front.title)));
            (
                key,
                pages.into_iter().map(|page| Link { title: page.front.title.clone(), url: page.url.clone() }).collect(),
            )
        })
        .collect()
}

/// A generated page (a tag listing) with no content file behind it.
fn insert_plain_page(
    context: &mut PageContext,
    site: &Site,
    view: &LanguageView,
    title: &str,
    url: &str,
    description: String,
) {
    let page = PageView {
        title,
        description: Some(description),
        content: "",
        url,
        permalink: format!("{}{url}", site.config.base_url),
        includes: &[],
        stage: None,
        children: &[],
    };
    context.insert("page", &page);
    let own: Vec<&LanguageLink> = view.languages.iter().filter(|link| link.current).collect();
    context.insert("translations", &own);
}
