//! Step one: read `content/` into a [`Site`]: configuration, data files, translations
//! and parsed pages. Every problem found is collected, so `check` can show them all.
//!
//! [`page`] a content file as parsed and as a page of the site; [`resolve`] what each page
//! is, its template and URL; [`urls`] the URLs, none taken twice; [`translations`] every
//! page in each of its languages; [`site`] all of it together; [`reload`] one report read
//! again while `serve` runs.

mod page;
pub(crate) mod reload;
mod resolve;
mod site;
mod translations;
mod urls;

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use content_model::{check_complete, ContentError, Form, Message, Schedule, Selection, SiteConfig, Translation};
use rayon::prelude::*;

pub(crate) use page::{Page, PageKind};
pub(crate) use site::Site;

use crate::front_matter::parse_document;
use crate::source::read_sources;
use page::Parsed;
use resolve::{check_front_matter, Resolver};
use translations::check_translations;
use urls::check_unique_urls;

/// Where the site's sources are.
pub(crate) struct Sources<'a> {
    pub(crate) content_dir: &'a Path,
    /// Names of templates found under `templates/`, for checking `template` and `includes`.
    pub(crate) templates: &'a HashSet<String>,
    /// Whether pages marked `draft = true` are part of the site (`serve`) or not (`build`).
    pub(crate) drafts: bool,
}

/// Reads the site. Without a valid `config.toml` nothing else can be read (`Err`); past
/// that, the site is returned with every problem found, so later steps can still look
/// for theirs (broken links) and an editor sees all problems in one run.
pub(crate) fn load_site(sources: &Sources) -> Result<(Site, Vec<ContentError>), Vec<ContentError>> {
    let dir = sources.content_dir;
    let config_file = dir.join("config.toml");
    let config = SiteConfig::parse(&config_file, &read(&config_file).map_err(|e| vec![e])?)?;
    let languages = &config.languages;
    let mut errors = Vec::new();

    let schedule_errors = errors.len();
    let schedule =
        read_optional(&dir.join("schedule.toml"), &mut errors, |file, text| Schedule::parse(file, text, languages));
    // A schedule that failed to read is already reported; pages naming its stages are not at fault.
    let schedule_broken = errors.len() > schedule_errors;
    let schedule = schedule.unwrap_or_default();
    let selection =
        read_optional(&dir.join("selection.toml"), &mut errors, |file, text| Selection::parse(file, text, languages))
            .unwrap_or_default();
    let form = read_optional(&dir.join("form.toml"), &mut errors, |file, text| Form::parse(file, text, languages));
    let translations = load_translations(dir, languages, &mut errors);

    let (files, read_errors) = read_sources(dir, dir, languages);
    errors.extend(read_errors);
    let mut parsed = Vec::new();
    let mut broken = HashSet::new();
    // Front matter is parsed on every core; the results are taken in the files' order.
    let documents: Vec<Result<Option<Parsed>, (String, ContentError)>> = files
        .into_par_iter()
        .map(|file| match parse_document(&file.path, &file.text) {
            Ok(doc) if doc.front.draft && !sources.drafts => Ok(None),
            Ok(doc) => Ok(Some(Parsed {
                body: doc.body.to_string(),
                body_line: doc.body_line,
                front: doc.front,
                lines: doc.lines,
                source: file.path,
                lang: file.lang,
                canonical: file.canonical,
            })),
            Err(err) => Err((file.canonical, err)),
        })
        .collect();
    for document in documents {
        match document {
            Ok(page) => parsed.extend(page),
            Err((canonical, err)) => {
                broken.insert(canonical);
                errors.push(err);
            }
        }
    }
    parsed.sort_by(|a, b| (&a.lang, &a.canonical).cmp(&(&b.lang, &b.canonical)));

    let mut warnings = Vec::new();
    let resolver = Resolver::new(&parsed, &config, &schedule);
    let pages: Vec<Page> = parsed.into_iter().map(|page| resolver.resolve(page, &mut errors, &mut warnings)).collect();
    check_translations(&pages, languages, &broken, dir, &mut errors);
    check_front_matter(&pages, (!schedule_broken).then_some(&schedule), sources.templates, &mut errors);
    check_unique_urls(&pages, &mut errors);

    let index = pages.iter().enumerate().map(|(i, page)| ((page.lang.clone(), page.canonical.clone()), i)).collect();
    Ok((
        Site {
            index,
            content_dir: dir.to_path_buf(),
            config,
            translations,
            schedule,
            selection,
            form,
            pages,
            unreadable: broken,
            warnings,
            resolver,
        },
        errors,
    ))
}

fn read(file: &Path) -> Result<String, ContentError> {
    std::fs::read_to_string(file).map_err(|err| ContentError::new(file, Message::CannotRead { error: err.to_string() }))
}

fn read_optional<T>(
    file: &Path,
    errors: &mut Vec<ContentError>,
    parse: impl FnOnce(&Path, &str) -> Result<T, Vec<ContentError>>,
) -> Option<T> {
    if !file.exists() {
        return None;
    }
    let text = read(file).map_err(|err| errors.push(err)).ok()?;
    parse(file, &text).map_err(|found| errors.extend(found)).ok()
}

fn load_translations(
    dir: &Path,
    languages: &[String],
    errors: &mut Vec<ContentError>,
) -> BTreeMap<String, Translation> {
    let mut translations = BTreeMap::new();
    for lang in languages {
        let file = dir.join("i18n").join(format!("{lang}.toml"));
        if !file.exists() {
            errors.push(ContentError::new(&file, Message::MissingTranslationFile { lang: lang.clone() }));
            continue;
        }
        match read(&file).and_then(|text| Translation::parse(&file, &text)) {
            Ok(translation) => {
                translations.insert(lang.clone(), translation);
            }
            Err(err) => errors.push(err),
        }
    }
    let path_of = |lang: &str| dir.join("i18n").join(format!("{lang}.toml"));
    if let Some((first, default)) = languages.first().and_then(|first| Some((first, translations.get(first)?))) {
        for (lang, translation) in translations.iter().filter(|(lang, _)| *lang != first) {
            errors.extend(check_complete((&path_of(first), default), (&path_of(lang), translation)));
        }
    }
    translations
}
