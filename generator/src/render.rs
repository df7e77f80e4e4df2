//! Markdown bodies and Tera templates to HTML, in parallel.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use content_model::ContentError;
use rayon::prelude::*;
use tera::{Context, Tera};

use crate::files::read_files;
use crate::load::{Page, Site};
use crate::markdown;
use crate::output::Output;
use crate::views::{language_view, LanguageLink, LanguageView, Link, PageView};

/// Loads every `*.html` under `templates/` (not `templates/static/`), named by relative path.
pub(crate) fn load_templates(dir: &Path) -> Result<Tera, Vec<ContentError>> {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![".html"]);
    tera.set_escape_fn(content_model::escape_html);
    let (files, mut errors) = read_files(dir, |name| {
        name.ends_with(".html") && !name.starts_with("static/")
    });
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

/// Renders every page's Markdown to HTML, resolving `@/` links per language.
pub(crate) fn render_bodies(site: &Site) -> Result<Vec<String>, Vec<ContentError>> {
    let urls: HashMap<(&str, &str), &str> = site
        .pages
        .iter()
        .map(|page| {
            (
                (page.lang.as_str(), page.canonical.as_str()),
                page.url.as_str(),
            )
        })
        .collect();

    let bodies: Vec<Result<String, Vec<ContentError>>> = site
        .pages
        .par_iter()
        .map(|page| {
            markdown::render(&page.source, &page.body, page.body_line, |file| {
                let canonical = file.strip_suffix(".md")?;
                match urls.get(&(page.lang.as_str(), canonical)) {
                    Some(url) => Some(url.to_string()),
                    None => site.unreadable.contains(canonical).then(|| "#".to_string()),
                }
            })
        })
        .collect();
    let mut errors = Vec::new();
    let bodies: Vec<String> = bodies
        .into_iter()
        .filter_map(|body| body.map_err(|found| errors.extend(found)).ok())
        .collect();
    if errors.is_empty() {
        Ok(bodies)
    } else {
        Err(errors)
    }
}

/// Renders every page through its template, the 404 page per language and the root page.
pub(crate) fn render_pages(
    site: &Site,
    bodies: &[String],
    tera: &Tera,
    templates_dir: &Path,
    options: &crate::BuildOptions,
) -> Result<Vec<Output>, Vec<ContentError>> {
    let mut errors = Vec::new();

    let views: HashMap<&str, LanguageView> = site
        .config
        .languages
        .iter()
        .map(|lang| {
            (
                lang.as_str(),
                language_view(site, lang, options.now, options.pinned),
            )
        })
        .collect();

    let rendered: Vec<Result<Output, ContentError>> = site
        .pages
        .par_iter()
        .zip(bodies.par_iter())
        .map(|(page, body)| {
            let view = &views[page.lang.as_str()];
            let context = page_context(site, view, page, body)?;
            let html = tera.render(&page.template(), &context).map_err(|err| {
                ContentError::new(
                    templates_dir.join(page.template()),
                    format!(
                        "while rendering {}: {}",
                        page.source.display(),
                        tera_message(&err)
                    ),
                )
            })?;
            Ok(Output::html(&page.url, html))
        })
        .collect();
    let mut outputs = Vec::new();
    for result in rendered {
        match result {
            Ok(output) => outputs.push(output),
            Err(err) => errors.push(err),
        }
    }

    for lang in &site.config.languages {
        let view = &views[lang.as_str()];
        let mut context = Context::from_serialize(view)
            .map_err(|err| vec![ContentError::new(templates_dir, tera_message(&err))])?;
        context.insert("translations", &view.languages);
        let not_found = tera.render("404.html", &context).map_err(|err| {
            vec![ContentError::new(
                templates_dir.join("404.html"),
                tera_message(&err),
            )]
        })?;
        if lang == site.config.default_language() {
            outputs.push(Output::file("404.html", not_found.clone().into_bytes()));
        }
        outputs.push(Output::file(
            &format!("{lang}/404.html"),
            not_found.into_bytes(),
        ));
    }

    // `/` shows the default language's home page, which names /<lang>/ as canonical.
    let home = format!("/{}/", site.config.default_language());
    if let Some(home_page) = outputs
        .iter()
        .find(|output| output.url().as_deref() == Some(home.as_str()))
    {
        outputs.push(Output::file("index.html", home_page.bytes.clone()));
    }

    if errors.is_empty() {
        Ok(outputs)
    } else {
        Err(errors)
    }
}

fn page_context(
    site: &Site,
    view: &LanguageView,
    page: &Page,
    body: &str,
) -> Result<Context, ContentError> {
    let translations: Vec<LanguageLink> = site
        .config
        .languages
        .iter()
        .filter_map(|lang| {
            let other = site
                .pages
                .iter()
                .find(|other| other.lang == *lang && other.canonical == page.canonical)?;
            Some(LanguageLink {
                lang,
                name: &site.translations[lang.as_str()].name,
                url: other.url.clone(),
                permalink: format!("{}{}", site.config.base_url, other.url),
                current: *lang == page.lang,
            })
        })
        .collect();
    let children = page.section_dir().map(|dir| {
        let mut children: Vec<&Page> = site
            .pages
            .iter()
            .filter(|other| {
                other.lang == page.lang
                    && other.canonical != page.canonical
                    && other.parent_section() == Some(dir)
            })
            .collect();
        children.sort_by(|a, b| {
            (a.front.weight, &a.front.title).cmp(&(b.front.weight, &b.front.title))
        });
        children
            .into_iter()
            .map(|child| Link {
                title: child.front.title.clone(),
                url: child.url.clone(),
            })
            .collect()
    });
    let stage = page
        .front
        .stage
        .as_deref()
        .and_then(|id| view.schedule.stages.iter().find(|stage| stage.id == id));
    let page_view = PageView {
        title: &page.front.title,
        description: page.front.description.as_deref(),
        content: body,
        url: &page.url,
        permalink: format!("{}{}", site.config.base_url, page.url),
        canonical: &page.canonical,
        includes: &page.front.includes,
        stage,
        children: children.unwrap_or_default(),
        is_home: page.canonical == "_index",
    };
    let mut context = Context::from_serialize(view)
        .map_err(|err| ContentError::new(&page.source, tera_message(&err)))?;
    context.insert("page", &page_view);
    context.insert("translations", &translations);
    Ok(context)
}
