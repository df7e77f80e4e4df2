//! Lints of the real content, `content/` as editors leave it: it checks without a problem or
//! a warning, every page is on the site in each of its languages and names its translations,
//! has a description, stays under the size budget and loads nothing from elsewhere; the
//! sitemap lists every page; the calendars read; and after the deadline nothing invites
//! applications. Each holds whatever an editor writes, so none names a sentence, a date or a
//! count of the content (but for the words that invite to apply, [`INVITATIONS`]): when one
//! fails, the content is wrong. What the generator makes of a site, word for word, is tested
//! on the frozen copy (`site.rs`); the glossary is linted in `glossary.rs`.

mod common;

use std::io::Write;

use chrono::{DateTime, FixedOffset, TimeDelta, Utc};
use common::{build_real_site, real_content, Built};
use content_model::{Schedule, SiteConfig};

fn read(file: &str) -> (std::path::PathBuf, String) {
    let path = real_content().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    (path, text)
}

fn config() -> SiteConfig {
    let (path, text) = read("config.toml");
    SiteConfig::parse(&path, &text).unwrap_or_else(|errors| panic!("{errors:?}"))
}

fn schedule() -> Schedule {
    let (path, text) = read("schedule.toml");
    Schedule::parse(&path, &text, &config().languages).unwrap_or_else(|errors| panic!("{errors:?}"))
}

/// The deadline of the call, from content/schedule.toml.
fn deadline() -> DateTime<FixedOffset> {
    schedule().deadline.expect("content/schedule.toml has no [deadline]: a call for applications must close").at
}

/// A minute before the deadline: the call at its fullest, the form on its page.
fn during_the_call() -> String {
    (deadline() - TimeDelta::minutes(1)).to_rfc3339()
}

/// The deadline itself, from which applications are no longer accepted.
fn after_the_call() -> String {
    deadline().to_rfc3339()
}

/// Whether a content file is a draft, which is not published.
fn is_draft(text: &str) -> bool {
    text.lines().any(|line| line.trim() == "draft = true")
}

/// Pages written in content/ (drafts left out) in `lang`, or in every language.
fn content_pages(lang: Option<&str>) -> usize {
    walkdir::WalkDir::new(real_content())
        .into_iter()
        .map(|entry| entry.unwrap())
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy();
            lang.map_or(name.ends_with(".md"), |lang| name.ends_with(&format!(".{lang}.md")))
        })
        .filter(|entry| !is_draft(&std::fs::read_to_string(entry.path()).unwrap()))
        .count()
}

/// Pages the site makes from content/: every HTML file but the 404 pages, the root (a copy
/// of the default language's home page) and generated listings (tags, further pages).
fn written_pages(site: &Built) -> Vec<String> {
    site.html_files()
        .into_iter()
        .filter(|p| p.contains('/') && !p.ends_with("404.html"))
        .filter(|p| !p.contains("/tags/") && !p.contains("/page/"))
        .collect()
}

/// The address a page is published at: `https://…/ky/etaptar/` for `ky/etaptar/index.html`.
fn url_of(page: &str) -> String {
    format!("{}/{}", config().base_url, page.trim_end_matches("index.html"))
}

#[test]
fn the_content_checks_without_a_problem_or_a_warning() {
    for moment in [during_the_call(), after_the_call()] {
        let output = tempfile::tempdir().unwrap();
        let report = generator::check(&common::options(&real_content(), &output.path().join("public"), &moment))
            .unwrap_or_else(|err| panic!("as of {moment}: {err}"));
        assert!(
            report.warnings.is_empty(),
            "as of {moment}:\n{}",
            report.warnings.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        );
    }
}

#[test]
fn every_page_is_written_in_every_language_or_says_which_it_is_in() {
    let languages = config().languages;
    let mut pages: std::collections::BTreeMap<String, Vec<(String, String)>> = Default::default();
    for entry in walkdir::WalkDir::new(real_content()).sort_by_file_name() {
        let entry = entry.unwrap();
        let relative = entry.path().strip_prefix(real_content()).unwrap().to_string_lossy().replace('\\', "/");
        let Some((page, lang)) = relative.strip_suffix(".md").and_then(|stem| stem.rsplit_once('.')) else {
            continue;
        };
        let text = std::fs::read_to_string(entry.path()).unwrap();
        pages.entry(page.to_string()).or_default().push((lang.to_string(), text));
    }
    assert!(!pages.is_empty());
    for (page, versions) in &pages {
        for (lang, _) in versions {
            assert!(languages.contains(lang), "content/{page}.{lang}.md: `{lang}` is not a language of the site");
        }
        let says_which = versions.iter().any(|(_, text)| text.lines().any(|line| line.starts_with("languages")));
        for lang in &languages {
            assert!(
                says_which || versions.iter().any(|(written, _)| written == lang),
                "content/{page}: no {lang} version, and no `languages = [...]` saying it is not written in {lang}"
            );
        }
    }
}

#[test]
fn every_page_is_on_the_site_in_its_language_and_names_its_translations() {
    let config = config();
    let site = build_real_site(&during_the_call());
    let pages = written_pages(&site);
    assert_eq!(pages.len(), content_pages(None), "a page on the site for every page written");
    for lang in &config.languages {
        let built = pages.iter().filter(|p| p.starts_with(&format!("{lang}/"))).count();
        assert_eq!(built, content_pages(Some(lang)), "{lang}: a page for every .{lang}.md file");
    }
    for page in &pages {
        let html = site.read(page);
        let lang = page.split('/').next().unwrap();
        assert!(html.starts_with(&format!("<!DOCTYPE html>\n<html lang=\"{lang}\">")), "{page}");
        assert!(html.contains(&format!("<link rel=\"canonical\" href=\"{}\">", url_of(page))), "{page}");
        assert!(
            html.contains(&format!("<link rel=\"alternate\" hreflang=\"x-default\" href=\"{}/", config.base_url)),
            "{page}: a default version"
        );
        // Each other language: a link to the translation, for search engines and for readers,
        // or (for a page written in fewer languages) the notice that it is not translated.
        let untranslated = html.contains("<span class=\"missing\">");
        for other in config.languages.iter().filter(|other| *other != lang) {
            let alternate = format!("<link rel=\"alternate\" hreflang=\"{other}\" href=\"{}/{other}/", config.base_url);
            let visible = format!("hreflang=\"{other}\" lang=\"{other}\"");
            assert!(
                (html.contains(&alternate) && html.contains(&visible)) || untranslated,
                "{page}: neither a link to its {other} version nor a notice that there is none"
            );
        }
    }
}

#[test]
fn the_sitemap_lists_every_page_with_its_alternates() {
    let config = config();
    let site = build_real_site(&during_the_call());
    let sitemap = site.read("sitemap.xml");
    assert_eq!(sitemap.matches("<url>").count(), content_pages(None), "one entry a page");
    for page in written_pages(&site) {
        assert!(sitemap.contains(&format!("<loc>{}</loc>", url_of(&page))), "sitemap lacks {page}");
    }
    for entry in sitemap.split("<url>").skip(1) {
        let loc = entry.split("<loc>").nth(1).unwrap().split("</loc>").next().unwrap();
        assert!(entry.contains(&format!("href=\"{loc}\"/>")), "{loc} is not among its own alternates");
        let default = format!("hreflang=\"{}\" href=\"", config.default_language());
        if let Some(at) = entry.find(&default) {
            let default_url = entry[at + default.len()..].split('"').next().unwrap();
            assert!(
                entry.contains(&format!("hreflang=\"x-default\" href=\"{default_url}\"")),
                "{loc}: its {} version is the default",
                config.default_language()
            );
        }
    }
    assert!(site.read("robots.txt").contains(&format!("Sitemap: {}/sitemap.xml", config.base_url)));
}

#[test]
fn no_request_leaves_the_site_and_pages_work_without_javascript() {
    let site = build_real_site(&during_the_call());
    for page in site.html_files() {
        let html = site.read(&page);
        assert!(!html.contains("<script src"), "{page} loads a script");
        if html.contains("<script") {
            // Only the form and the search have a script; the form posts without one and the
            // search page lists the reports without one.
            let form = html.contains(
                "<form id=\"application\" class=\"application\" method=\"post\" action=\"/api/applications?lang=",
            );
            let search = html.contains("<div id=\"search-fallback\">");
            assert!(form || search, "{page} has a script");
        }
        assert!(!html.contains("src=\"http") && !html.contains("src=\"//"), "{page} loads something from elsewhere");
        for tag in html.split("<link ").skip(1) {
            let tag = tag.split('>').next().unwrap();
            if !tag.contains("rel=\"canonical\"") && !tag.contains("rel=\"alternate\"") {
                assert!(!tag.contains("href=\"http") && !tag.contains("href=\"//"), "{page}: {tag}");
            }
        }
    }
    let css = site.read(&site.linked("index.html", "stylesheet"));
    assert!(!css.contains("url(") && !css.contains("@import") && !css.contains("@font-face"));
}

#[test]
fn every_page_with_its_stylesheet_stays_under_30_kb_gzipped() {
    let site = build_real_site(&during_the_call());
    let gzip = |bytes: &[u8]| {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap().len()
    };
    let css = gzip(site.read(&site.linked("index.html", "stylesheet")).as_bytes());
    for page in site.html_files() {
        let total = gzip(site.read(&page).as_bytes()) + css;
        assert!(total < 30 * 1024, "{page}: {total} bytes gzipped with the stylesheet");
    }
}

#[test]
fn every_page_has_a_description_for_search_engines() {
    let site = build_real_site(&during_the_call());
    let pages = site.html_files();
    assert!(pages.len() > content_pages(None), "content pages and generated ones");
    for page in &pages {
        let html = site.read(page);
        let description = html
            .split("<meta name=\"description\" content=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("{page} has no meta description"));
        assert!(!description.trim().is_empty(), "{page}: an empty meta description");
        assert_eq!(html.matches("<meta name=\"description\"").count(), 1, "{page}: one description");
    }
}

#[test]
fn the_calendars_read_in_a_real_ical_parser_with_every_stage_and_the_deadline() {
    let (config, schedule) = (config(), schedule());
    let site = build_real_site(&during_the_call());
    let sub_events: usize = schedule.stages.iter().map(|stage| stage.events.len()).sum();
    let events = schedule.stages.len() + sub_events + 1;
    let deadline = deadline().with_timezone(&Utc).format("%Y%m%dT%H%M%SZ").to_string();
    for lang in &config.languages {
        let text = site.read(&format!("{lang}/calendar.ics"));
        let mut calendars = ical::IcalParser::new(text.as_bytes());
        let calendar = calendars.next().expect("one calendar").expect("valid iCalendar");
        assert!(calendars.next().is_none(), "{lang}: one calendar");
        assert_eq!(calendar.events.len(), events, "{lang}: every stage, every sub-event, the deadline");
        let property = |event: &ical::parser::ical::component::IcalEvent, name: &str| {
            event.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap_or_default()
        };
        for event in &calendar.events {
            let uid = property(event, "UID");
            assert!(!property(event, "DTSTART").is_empty() && !property(event, "SUMMARY").is_empty(), "{lang}: {uid}");
        }
        // Compared without spaces and iCalendar's backslashes: the parser drops the space a
        // folded line ends with.
        let bare = |text: &str| text.chars().filter(|c| !c.is_whitespace() && *c != '\\').collect::<String>();
        for stage in &schedule.stages {
            let title = bare(stage.title.get(lang));
            assert!(
                calendar.events.iter().any(|event| bare(&property(event, "SUMMARY")).contains(&title)),
                "{lang}: stage {} is not in the calendar",
                stage.id
            );
        }
        let closing =
            calendar.events.iter().find(|e| property(e, "UID").starts_with("deadline-")).expect("the deadline");
        assert_eq!(property(closing, "DTSTART"), deadline, "{lang}: the deadline, in UTC");
        let uids: std::collections::HashSet<String> = calendar.events.iter().map(|e| property(e, "UID")).collect();
        assert_eq!(uids.len(), events, "{lang}: unique UIDs");
        let link = format!("href=\"/{lang}/calendar.ics\"");
        assert!(
            site.html_files().iter().any(|page| site.read(page).contains(&link)),
            "{lang}: no page links its calendar"
        );
    }
}

#[test]
fn after_the_deadline_nothing_invites_applications() {
    let config = config();
    let open = build_real_site(&during_the_call());
    let closed = build_real_site(&after_the_call());
    // Until the deadline the form is on its page in every language.
    for lang in &config.languages {
        let form_pages: Vec<String> = written_pages(&open)
            .into_iter()
            .filter(|page| page.starts_with(&format!("{lang}/")) && open.read(page).contains("id=\"form-closed\""))
            .collect();
        assert!(!form_pages.is_empty(), "{lang}: no page has the application form");
        for page in &form_pages {
            assert!(open.read(page).contains("<form id=\"application\""), "{page}: the form, before the deadline");
            assert!(
                closed.read(page).contains("<div id=\"form-closed\" class=\"deadline closed\">"),
                "{page}: after the deadline, the notice that the call is closed"
            );
        }
    }
    // After it no page has the form, nor a deadline box saying how to apply.
    for page in closed.html_files() {
        let html = closed.read(&page);
        assert!(!html.contains("<form id=\"application\""), "{page}: the form, after the deadline");
        assert!(!html.contains("<aside class=\"deadline\""), "{page}: a deadline box still open");
    }
}

/// The words with which the site invites to apply, in each language, as its pages and
/// templates write them (matched in lower case): in `schedule.toml`'s deadline, the form and
/// apply pages, `i18n/*.toml` and `form.toml`. Each must stand on some page while the call is
/// open, so a reworded invitation makes this list be brought up to date instead of passing
/// unseen.
const INVITATIONS: &[(&str, &[&str])] = &[
    (
        "ky",
        &[
            "кабыл алынат",
            "жөнөтүңүз",
            "жөнөтсөңүз болот",
            "тапшырсаңыз да болот",
            "толтурсаңыз да болот",
            "тапшырыш керек",
            "жиберсеңиз болот",
            "берсе болот",
            "өтүнмө кантип берилет",
            "өтүнмөнү кайда тапшыруу керек",
            "өтүнмөнү жөнөтүү",
        ],
    ),
    (
        "ru",
        &[
            "заявки принимаются",
            "заявку можно заполнить и отправить",
            "можно подать",
            "нужно подать",
            "документы можно также отправить",
            "форму можно распечатать и заполнить от руки",
            "распечатайте форму",
            "как подать заявку",
            "куда подать заявку",
            "отправить заявку",
        ],
    ),
];

/// What a reader, and a search engine under the page's title, reads of a page: its text
/// without scripts, styles and tags, and its description; entities decoded, spaces collapsed,
/// in lower case.
fn readable_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let mut tag = &rest[open..];
        let name: String = tag.chars().take(7).collect::<String>().to_lowercase();
        for (start, end) in [("<script", "</script>"), ("<style", "</style>")] {
            if name.starts_with(start) {
                tag = tag.find(end).map_or("", |at| &tag[at..]);
            }
        }
        text.push(' ');
        rest = tag.find('>').map_or("", |close| &tag[close + 1..]);
    }
    text.push_str(rest);
    if let Some(description) =
        html.split("<meta name=\"description\" content=\"").nth(1).and_then(|rest| rest.split('"').next())
    {
        text.push(' ');
        text.push_str(description);
    }
    let text = text
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The pages of `site` in `lang` (the root is the default language's home) with their text.
fn readable_pages(site: &Built, lang: &str, default: &str) -> Vec<(String, String)> {
    site.html_files()
        .into_iter()
        .filter(|page| page.starts_with(&format!("{lang}/")) || (lang == default && !page.contains('/')))
        .map(|page| {
            let text = readable_text(&site.read(&page));
            (page, text)
        })
        .collect()
}

#[test]
fn after_the_deadline_no_sentence_on_any_page_invites_to_apply() {
    let config = config();
    let default = config.default_language();
    let open = build_real_site(&during_the_call());
    // The moment the call closes, and the moment the issue was found, nine days later.
    let closed = [after_the_call(), "2020-12-20T12:00:00+06:00".to_string()].map(|moment| {
        let site = build_real_site(&moment);
        (moment, site)
    });
    for (lang, invitations) in INVITATIONS {
        assert!(config.languages.iter().any(|known| known == lang), "{lang} is not a language of the site");
        let pages = readable_pages(&open, lang, default);
        for invitation in *invitations {
            assert!(
                pages.iter().any(|(_, text)| text.contains(invitation)),
                "{lang}: no page says «{invitation}» while the call is open: the list of invitations is out of date"
            );
        }
        for (moment, site) in &closed {
            for (page, text) in readable_pages(site, lang, default) {
                for invitation in *invitations {
                    assert!(!text.contains(invitation), "{page} as of {moment}: «{invitation}» after the deadline");
                }
            }
        }
    }
    for lang in &config.languages {
        assert!(INVITATIONS.iter().any(|(listed, _)| listed == lang), "{lang}: no invitations listed");
    }
}
