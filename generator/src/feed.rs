//! The Atom feed of each section that lists reports, one per language: its 50 newest
//! reports, each with its whole text and with every link absolute, for feed readers.

use atom_syndication::{Category, Content, Entry, Feed, FixedDateTime, Link, Person, Text, WriteConfig};
use chrono::{DateTime, NaiveDate, NaiveTime};
use content_model::{ContentError, Message};

use crate::load::{Page, Site};
use crate::output::Output;
use crate::reports::{section_url, Reports};
use crate::slug::slugify;

/// How many reports a feed carries, newest first.
const ENTRIES: usize = 50;

/// The feed of the reports `listing` lists, at `<listing>/atom.xml`; nothing for other pages.
/// `bodies` are the pages' HTML in `site.pages` order.
pub(crate) fn atom(
    site: &Site,
    listing: &Page,
    bodies: &[String],
    reports: &Reports,
) -> Result<Vec<Output>, Vec<ContentError>> {
    let Some((section, _)) = listing.listing() else {
        return Ok(Vec::new());
    };
    let lang = listing.lang.as_str();
    let base = &site.config.base_url;
    let site_title = site.translation(lang).get("site_title");
    let url = format!("{base}{}", section_url(site, lang, section));
    let offset = site.config.offset();
    // A report is dated by its day: it counts from midnight where the School is.
    let stamp = |day: NaiveDate| -> FixedDateTime {
        day.and_time(NaiveTime::MIN).and_local_timezone(offset).earliest().unwrap_or_default()
    };
    let list = reports.list(lang, section);
    let updated = match list.first().and_then(|page| page.report_date()) {
        Some(day) => stamp(day),
        // A feed with no reports yet is as old as the programme.
        None => DateTime::parse_from_rfc3339("2020-11-01T00:00:00+06:00").unwrap_or_default(),
    };
    let feed = Feed {
        title: Text::plain(format!("{site_title} – {}", listing.front.title)),
        id: url.clone(),
        links: vec![
            link("self", "application/atom+xml", format!("{url}atom.xml")),
            link("alternate", "text/html", url),
        ],
        updated,
        authors: vec![Person { name: site_title.to_string(), ..Person::default() }],
        lang: Some(lang.to_string()),
        entries: list
            .iter()
            .take(ENTRIES)
            .map(|page| {
                let body = site.position(&page.lang, &page.canonical).and_then(|i| bodies.get(i));
                entry(base, page, body.map_or("", String::as_str), stamp(page.report_date().unwrap_or_default()))
            })
            .collect(),
        ..Feed::default()
    };
    feed.write_with_config(Vec::new(), WriteConfig { write_document_declaration: true, indent_size: Some(2) })
        .map(|xml| vec![Output::file(&format!("{}atom.xml", listing.url), xml)])
        .map_err(|err| {
            vec![ContentError::new(
                &listing.source,
                Message::Untranslated(format!("its Atom feed could not be written: {err}")),
            )]
        })
}

/// Each candidate of every `srcset` (`/images/a.jpg.360.webp 360w, /images/…`) made whole,
/// as `src` is: a photo's widths (see `images`) are site-relative too.
fn absolute_srcsets(html: &str, base: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(" srcset=\"") {
        let (before, after) = rest.split_at(at + " srcset=\"".len());
        out.push_str(before);
        let end = after.find('"').unwrap_or(after.len());
        let (value, tail) = after.split_at(end);
        let candidates: Vec<String> = value
            .split(", ")
            .map(|candidate| match candidate.strip_prefix('/') {
                Some(path) if !path.starts_with('/') => format!("{base}/{path}"),
                _ => candidate.to_string(),
            })
            .collect();
        out.push_str(&candidates.join(", "));
        rest = tail;
    }
    out.push_str(rest);
    out
}

fn entry(base: &str, page: &Page, body: &str, day: FixedDateTime) -> Entry {
    let permalink = format!("{base}{}", page.url);
    // Links inside the text are site-relative; feed readers need them whole.
    let body = absolute_srcsets(
        &body.replace("href=\"/", &format!("href=\"{base}/")).replace("src=\"/", &format!("src=\"{base}/")),
        base,
    );
    Entry {
        title: Text::plain(page.front.title.clone()),
        id: permalink.clone(),
        links: vec![link("alternate", "text/html", permalink)],
        published: Some(day),
        updated: day,
        summary: page.front.summary.clone().map(Text::plain),
        categories: page
            .front
            .tags
            .iter()
            .map(|tag| Category { term: slugify(tag), label: Some(tag.clone()), scheme: None })
            .collect(),
        content: Some(Content { value: Some(body), content_type: Some("html".into()), ..Content::default() }),
        ..Entry::default()
    }
}

fn link(rel: &str, mime_type: &str, href: String) -> Link {
    Link { href, rel: rel.into(), mime_type: Some(mime_type.into()), ..Link::default() }
}
