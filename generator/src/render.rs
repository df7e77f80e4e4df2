//! Markdown bodies and Tera templates to HTML, in parallel.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use content_model::ContentError;
use rayon::prelude::*;
use tera::{Context, Tera};

use crate::files::read_files;
use crate::fingerprint::Fingerprints;
use crate::load::{Page, Site};
use crate::markdown;
use crate::output::Output;
use crate::reports::Reports;
use crate::views::{language_view, paginate, report_view, summary, LanguageLink, LanguageView, Link, PageView};

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
            Err(_) => errors.push(ContentError::new(dir.join(&name), "is not UTF-8 text")),
        }
    }
    if let Err(err) = tera.add_raw_templates(sources) {
        errors.push(ContentError::new(dir, tera_message(&err)));
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

/// A Tera error with its chain of causes, which is where the useful part is.
fn tera_message(err: &tera::Error) -> String {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Renders every page's Markdown to HTML, resolving `@/` links per language and pointing
/// images at their fingerprinted names.
pub(crate) fn render_bodies(site: &Site, fingerprints: &Fingerprints) -> Result<Vec<String>, Vec<ContentError>> {
    let assets = markdown::Assets { content_dir: &site.content_dir, fingerprints };
    let urls: HashMap<(&str, &str), &str> =
        site.pages.iter().map(|page| ((page.lang.as_str(), page.canonical.as_str()), page.url.as_str())).collect();

    let bodies: Vec<Result<String, Vec<ContentError>>> = site
        .pages
        .par_iter()
        .map(|page| {
            markdown::render(&page.source, &page.body, page.body_line, &assets, |file| {
                let canonical = file.strip_suffix(".md")?;
                match urls.get(&(page.lang.as_str(), canonical)) {
                    Some(url) => Some(url.to_string()),
                    None => site.unreadable.contains(canonical).then(|| "#".to_string()),
                }
            })
        })
        .collect();
    let mut errors = Vec::new();
    let bodies: Vec<String> =
        bodies.into_iter().filter_map(|body| body.map_err(|found| errors.extend(found)).ok()).collect();
    if errors.is_empty() {
        Ok(bodies)
    } else {
        Err(errors)
    }
}

/// What rendering a page needs besides the page: the templates, the reports, and what every
/// page of a language shares, serialized once and cloned per page.
pub(crate) struct Renderer<'a> {
    site: &'a Site,
    tera: &'a Tera,
    templates_dir: &'a Path,
    reports: &'a Reports<'a>,
    views: HashMap<&'a str, LanguageView<'a>>,
    bases: HashMap<&'a str, Context>,
    children: HashMap<(&'a str, &'a str), Vec<Link>>,
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
            .map(|lang| (lang.as_str(), language_view(site, lang, options.now, options.pinned, reports)))
            .collect();
        let mut bases = HashMap::new();
        for (lang, view) in &views {
            let base = Context::from_serialize(view)
                .map_err(|err| vec![ContentError::new(templates_dir, tera_message(&err))])?;
            bases.insert(*lang, base);
        }
        Ok(Self { site, tera, templates_dir, reports, views, bases, children: children_by_section(site) })
    }

    fn render(&self, template: &str, context: &Context, source: &Path) -> Result<String, ContentError> {
        self.tera.render(template, context).map_err(|err| {
            ContentError::new(
                self.templates_dir.join(template),
                format!("while rendering {}: {}", source.display(), tera_message(&err)),
            )
        })
    }

    /// The view and the shared context of `lang`. Views exist for every language of
    /// content/config.toml, and pages are in those languages.
    fn language(&self, lang: &str, source: &Path) -> Result<(&LanguageView<'a>, &Context), ContentError> {
        match (self.views.get(lang), self.bases.get(lang)) {
            (Some(view), Some(base)) => Ok((view, base)),
            _ => Err(ContentError::new(
                source,
                format!("`{lang}` is not one of the site's languages in content/config.toml"),
            )),
        }
    }

    /// Every content page through its template, in parallel; a listing page by page.
    /// `bodies` are the pages' HTML in `site.pages` order.
    pub(crate) fn pages(&self, bodies: &[String]) -> Result<Vec<Output>, Vec<ContentError>> {
        let site = self.site;
        let rendered: Vec<Result<Vec<Output>, ContentError>> = site
            .pages
            .par_iter()
            .zip(bodies.par_iter())
            .map(|(page, body)| {
                let (view, base) = self.language(&page.lang, &page.source)?;
                let mut context = base.clone();
                self.add_page(&mut context, view, page, body);
                let Some((section, per_page)) = page.listing() else {
                    return Ok(vec![Output::html(&page.url, self.render(&page.template, &context, &page.source)?)]);
                };
                let items = self
                    .reports
                    .list(&page.lang, section)
                    .iter()
                    .map(|report| summary(site, &view.schedule.stages, report))
                    .collect();
                paginate(items, per_page, &page.url)
                    .into_iter()
                    .map(|paginator| {
                        let url = paginator.url.clone();
                        context.insert("paginator", &paginator);
                        Ok(Output::html(&url, self.render(&page.template, &context, &page.source)?))
                    })
                    .collect()
            })
            .collect();
        gather(rendered)
    }

    /// The tag index of a listing and each tag's reports, page by page.
    pub(crate) fn tag_pages(&self, listing: &Page) -> Result<Vec<Output>, Vec<ContentError>> {
        let site = self.site;
        let Some((section, per_page)) = listing.listing() else {
            return Ok(Vec::new());
        };
        let lang = listing.lang.as_str();
        let (view, base) = self.language(lang, &listing.source).map_err(|err| vec![err])?;
        let listing_link = Link { title: listing.front.title.clone(), url: listing.url.clone() };
        let tags = self.reports.tags(site, lang, section);
        let tag_links: Vec<Link> = tags
            .iter()
            .map(|tag| Link { title: format!("{} ({})", tag.name, tag.reports.len()), url: tag.url.clone() })
            .collect();
        let index_url = format!("{}tags/", listing.url);
        let mut context = base.clone();
        let translation = site.translation(lang);
        let description = translation.get("tags_description").to_string();
        insert_plain_page(&mut context, site, view, &listing.front.title, &index_url, description);
        context.insert("listing", &listing_link);
        context.insert("tags", &tag_links);
        let index =
            self.render("tags.html", &context, &listing.source).map(|html| vec![Output::html(&index_url, html)]);
        let tag_pages: Vec<Result<Vec<Output>, ContentError>> = tags
            .par_iter()
            .map(|tag| {
                let mut context = base.clone();
                let description = translation.get("tag_description").replace("{tag}", &tag.name);
                insert_plain_page(&mut context, site, view, &tag.name, &tag.url, description);
                context.insert("listing", &listing_link);
                context.insert("tags_url", &index_url);
                let items: Vec<_> =
                    tag.reports.iter().map(|report| summary(site, &view.schedule.stages, report)).collect();
                paginate(items, per_page, &tag.url)
                    .into_iter()
                    .map(|paginator| {
                        let url = paginator.url.clone();
                        context.insert("paginator", &paginator);
                        Ok(Output::html(&url, self.render("tag.html", &context, &listing.source)?))
                    })
                    .collect()
            })
            .collect();
        gather(std::iter::once(index).chain(tag_pages))
    }

    /// The 404 page of `lang`, at `/<lang>/404.html`.
    pub(crate) fn not_found(&self, lang: &str) -> Result<Vec<Output>, Vec<ContentError>> {
        let (view, base) = self.language(lang, &self.site.content_dir.join("config.toml")).map_err(|err| vec![err])?;
        let mut context = base.clone();
        context.insert("translations", &view.languages);
        let html = self.render("404.html", &context, self.templates_dir).map_err(|err| vec![err])?;
        Ok(vec![Output::file(&format!("{lang}/404.html"), html.into_bytes())])
    }

    fn add_page(&self, context: &mut Context, view: &LanguageView, page: &Page, body: &str) {
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
                .cloned()
                .unwrap_or_default(),
        };
        context.insert("page", &page_view);
        context.insert("translations", &translations);
        context.insert("missing_languages", &missing);
        if page.is_report() {
            context.insert("report", &report_view(site, reports, &view.schedule.stages, page));
        }
        if let Some(stage) = page.stage_page() {
            // The newest few; the listing has the rest.
            let about: Vec<_> = reports
                .about_stage(&page.lang, stage)
                .into_iter()
                .take(10)
                .map(|report| summary(site, &view.schedule.stages, report))
                .collect();
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

/// All outputs, or all errors.
fn gather(
    results: impl IntoIterator<Item = Result<Vec<Output>, ContentError>>,
) -> Result<Vec<Output>, Vec<ContentError>> {
    let mut outputs = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(pages) => outputs.extend(pages),
            Err(err) => errors.push(err),
        }
    }
    if errors.is_empty() {
        Ok(outputs)
    } else {
        Err(errors)
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
    context: &mut Context,
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
        children: Vec::new(),
    };
    context.insert("page", &page);
    let own: Vec<&LanguageLink> = view.languages.iter().filter(|link| link.current).collect();
    context.insert("translations", &own);
}
