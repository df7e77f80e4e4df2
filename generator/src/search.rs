//! The search index: a Pagefind bundle per language under `/<lang>/pagefind/`, built in the
//! same process from each page's rendered content. Pagefind splits its index into chunks by
//! word, so a search loads the language's small metadata file, the chunks holding the query's
//! words and the fragments of the results it shows: about 150 KB with 2,000 reports per
//! language (tests/e2e/search.test.mjs measures it), where one JSON file of every page grew
//! with the site. Each language has its own bundle, so a Kyrgyz search loads nothing Russian.

use pagefind::api::PagefindIndex;
use pagefind::options::PagefindServiceConfig;
use rayon::prelude::*;

use crate::load::{Page, Site};
use crate::output::Output;
use crate::ContentError;

/// The folder of a language's bundle inside the site: `ky/pagefind/`.
fn bundle_dir(lang: &str) -> String {
    format!("{lang}/pagefind/")
}

/// Every language's bundle; `bodies` are the pages' HTML in `site.pages` order. Languages are
/// indexed side by side.
pub(crate) fn indexes(site: &Site, bodies: &[String]) -> Result<Vec<Output>, Vec<ContentError>> {
    let built: Vec<Result<Vec<Output>, ContentError>> =
        site.config.languages.par_iter().map(|lang| language_index(site, lang, bodies)).collect();
    let mut outputs = Vec::new();
    let mut errors = Vec::new();
    for result in built {
        match result {
            Ok(files) => outputs.extend(files),
            Err(error) => errors.push(error),
        }
    }
    if errors.is_empty() {
        Ok(outputs)
    } else {
        Err(errors)
    }
}

/// The bundle of one language, as outputs under [`bundle_dir`].
fn language_index(site: &Site, lang: &str, bodies: &[String]) -> Result<Vec<Output>, ContentError> {
    let failed = |what: &str, error: anyhow::Error| {
        ContentError::new(&site.content_dir, format!("the search index of `{lang}` {what}: {error:#}"))
    };
    // Pagefind's API is async only; its work is CPU-bound and needs no more than one thread.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| failed("could not start", error.into()))?;
    runtime.block_on(async {
        // Pagefind stems the languages it has a Snowball stemmer for, Russian among them. It has
        // none for Kyrgyz: told `ky`, it indexes words as written (its bundle then loads the
        // generic WebAssembly, `wasm.unknown.pagefind`), and its search matches words by
        // prefix, so `кеңешк` finds `кеңешке`.
        let options = PagefindServiceConfig::builder().force_language(lang.to_string()).build();
        let mut index = PagefindIndex::new(Some(options)).map_err(|error| failed("could not start", error))?;
        for (page, body) in site.pages.iter().zip(bodies).filter(|(page, _)| page.lang == lang) {
            index.add_html_file(None, Some(page.url.clone()), document(site, page, body)).await.map_err(|error| {
                ContentError::new(&page.source, format!("this page could not be indexed for search: {error:#}"))
            })?;
        }
        let files = index.get_files().await.map_err(|error| failed("could not be built", error))?;
        Ok(files
            .into_iter()
            .filter(|file| needed(&file.filename.to_string_lossy()))
            .map(|file| {
                let name = file.filename.to_string_lossy().replace('\\', "/");
                Output::file(&format!("{}{name}", bundle_dir(lang)), file.contents)
            })
            .collect())
    })
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
