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
use crate::reports::{atom, paginate, summary, Reports};
use crate::search;
use crate::views::{language_view, LanguageLink, LanguageView, Link, PageView};

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

/// Renders every page through its template (a listing page by page), tag pages, feeds, the
/// search index, the 404 page per language and the root page.
pub(crate) fn render_pages(
    site: &Site,
    bodies: &[String],
    tera: &Tera,
    templates_dir: &Path,
    options: &crate::BuildOptions,
) -> Result<Vec<Output>, Vec<ContentError>> {
    let reports = Reports::new(site);
    let views: HashMap<&str, LanguageView> = site
        .config
        .languages
        .iter()
        .map(|lang| (lang.as_str(), language_view(site, lang, options.now, options.pinned, &reports)))
        .collect();
    let context_error = |err: tera::Error| vec![ContentError::new(templates_dir, tera_message(&err))];
    // What every page of a language shares is serialized once, then cloned per page.
    let mut bases: HashMap<&str, Context> = HashMap::new();
    for (lang, view) in &views {
        bases.insert(lang, Context::from_serialize(view).map_err(context_error)?);
    }
    let children = children_by_section(site);
    // Views exist for every language of content/config.toml, and pages are in those languages.
    let unknown_language = |source: &Path, lang: &str| {
        ContentError::new(source, format!("`{lang}` is not one of the site's languages in content/config.toml"))
    };
    let render = |template: &str, context: &Context, source: &Path| {
        tera.render(template, context).map_err(|err| {
            ContentError::new(
                templates_dir.join(template),
                format!("while rendering {}: {}", source.display(), tera_message(&err)),
            )
        })
    };

    let rendered: Vec<Result<Vec<Output>, ContentError>> = site
        .pages
        .par_iter()
        .zip(bodies.par_iter())
        .map(|(page, body)| {
            let (Some(view), Some(base)) = (views.get(page.lang.as_str()), bases.get(page.lang.as_str())) else {
                return Err(unknown_language(&page.source, &page.lang));
            };
            let mut context = base.clone();
            add_page(&mut context, site, view, page, body, &children, &reports);
            let template = page.template();
            let Some(per_page) = page.front.paginate_by else {
                return Ok(vec![Output::html(&page.url, render(&template, &context, &page.source)?)]);
            };
            let section = page.section_dir().unwrap_or("");
            let items = reports
                .list(&page.lang, section)
                .iter()
                .map(|report| summary(site, &view.schedule.stages, report))
                .collect();
            paginate(items, per_page, &page.url)
                .into_iter()
                .map(|paginator| {
                    let url = paginator.url.clone();
                    context.insert("paginator", &paginator);
                    Ok(Output::html(&url, render(&template, &context, &page.source)?))
                })
                .collect()
        })
        .collect();
    let mut outputs = Vec::new();
    let mut errors = Vec::new();
    for result in rendered {
        match result {
            Ok(pages) => outputs.extend(pages),
            Err(err) => errors.push(err),
        }
    }

    let body_of: HashMap<(&str, &str), &str> = site
        .pages
        .iter()
        .zip(bodies)
        .filter(|(page, _)| page.report)
        .map(|(page, body)| ((page.lang.as_str(), page.canonical.as_str()), body.as_str()))
        .collect();
    for listing in site.pages.iter().filter(|page| page.front.paginate_by.is_some()) {
        let lang = listing.lang.as_str();
        let section = listing.section_dir().unwrap_or("");
        let (Some(view), Some(base)) = (views.get(lang), bases.get(lang)) else {
            errors.push(unknown_language(&listing.source, lang));
            continue;
        };
        outputs.push(Output::file(
            &format!("{}atom.xml", listing.url),
            atom(site, lang, section, &body_of, &reports).into_bytes(),
        ));
        let tags = reports.tags(site, lang, section);
        let tag_links: Vec<Link> = tags
            .iter()
            .map(|tag| Link { title: format!("{} ({})", tag.name, tag.reports.len()), url: tag.url.clone() })
            .collect();
        let index_url = format!("{}tags/", listing.url);
        let mut context = base.clone();
        let translation = site.translation(lang);
        let description = translation.get("tags_description").to_string();
        insert_plain_page(&mut context, site, view, &listing.front.title, &index_url, description);
        context.insert("listing", &Link { title: listing.front.title.clone(), url: listing.url.clone() });
        context.insert("tags", &tag_links);
        match render("tags.html", &context, &listing.source) {
            Ok(html) => outputs.push(Output::html(&index_url, html)),
            Err(err) => errors.push(err),
        }
        let per_page = listing.front.paginate_by.unwrap_or(10);
        let tag_pages: Vec<Result<Vec<Output>, ContentError>> = tags
            .par_iter()
            .map(|tag| {
                let mut context = base.clone();
                let description = translation.get("tag_description").replace("{tag}", &tag.name);
                insert_plain_page(&mut context, site, view, &tag.name, &tag.url, description);
                context.insert("listing", &Link { title: listing.front.title.clone(), url: listing.url.clone() });
                context.insert("tags_url", &index_url);
                let items: Vec<_> =
                    tag.reports.iter().map(|report| summary(site, &view.schedule.stages, report)).collect();
                paginate(items, per_page, &tag.url)
                    .into_iter()
                    .map(|paginator| {
                        let url = paginator.url.clone();
                        context.insert("paginator", &paginator);
                        Ok(Output::html(&url, render("tag.html", &context, &listing.source)?))
                    })
                    .collect()
            })
            .collect();
        for result in tag_pages {
            match result {
                Ok(pages) => outputs.extend(pages),
                Err(err) => errors.push(err),
            }
        }
    }

    for lang in &site.config.languages {
        outputs.push(Output::file(&format!("{lang}/search.json"), search::index(site, lang, bodies).into_bytes()));
        let (Some(view), Some(base)) = (views.get(lang.as_str()), bases.get(lang.as_str())) else {
            errors.push(unknown_language(&site.content_dir.join("config.toml"), lang));
            continue;
        };
        let mut context = base.clone();
        context.insert("translations", &view.languages);
        match render("404.html", &context, templates_dir) {
            Ok(not_found) => {
                if lang == site.config.default_language() {
                    outputs.push(Output::file("404.html", not_found.clone().into_bytes()));
                }
                outputs.push(Output::file(&format!("{lang}/404.html"), not_found.into_bytes()));
            }
            Err(err) => errors.push(err),
        }
    }

    // `/` shows the default language's home page, which names /<lang>/ as canonical.
    let home = format!("/{}/", site.config.default_language());
    if let Some(home_page) = outputs.iter().find(|output| output.url().as_deref() == Some(home.as_str())) {
        outputs.push(Output::file("index.html", home_page.bytes.clone()));
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
    for page in site.pages.iter().filter(|page| !page.report) {
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

fn add_page(
    context: &mut Context,
    site: &Site,
    view: &LanguageView,
    page: &Page,
    body: &str,
    children: &HashMap<(&str, &str), Vec<Link>>,
    reports: &Reports,
) {
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
    if page.report {
        context.insert("report", &reports.view(site, &view.schedule.stages, page));
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
    if page.template() == "form.html" || page.front.includes.iter().any(|name| name == "form-questions") {
        context.insert("form", &view.form);
    }
    if page.front.includes.iter().any(|name| name == "criteria") {
        context.insert("criteria", &view.criteria);
    }
}
