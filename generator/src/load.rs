//! Step one: read `content/` into a [`Site`]: configuration, data files, translations
//! and parsed pages. Every problem found is collected, so `check` can show them all.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use content_model::{ContentError, Form, Schedule, Selection, SiteConfig};

use crate::front_matter::{parse_document, FrontMatter};
use crate::slug::{is_valid_slug, slugify};
use crate::source::read_sources;
use content_model::{check_complete, Translation};

/// Everything read from `content/`, checked, with every page's URL assigned.
pub(crate) struct Site {
    pub(crate) config: SiteConfig,
    pub(crate) content_dir: PathBuf,
    pub(crate) translations: BTreeMap<String, Translation>,
    pub(crate) schedule: Schedule,
    pub(crate) selection: Selection,
    pub(crate) form: Option<Form>,
    /// Sorted by language, then canonical path.
    pub(crate) pages: Vec<Page>,
    /// Content paths of files that could not be parsed (already reported): links to
    /// them are not broken, the target is.
    pub(crate) unreadable: HashSet<String>,
    /// Things worth an editor's look that do not stop the build, each with its file and line.
    pub(crate) warnings: Vec<ContentError>,
    /// Position in `pages` by (language, canonical path).
    index: HashMap<(String, String), usize>,
}

impl Site {
    /// The page at content path `canonical` in `lang`.
    pub(crate) fn page(&self, lang: &str, canonical: &str) -> Option<&Page> {
        self.index.get(&(lang.to_string(), canonical.to_string())).and_then(|&i| self.pages.get(i))
    }

    /// The translation of `lang`, which is one of the site's languages.
    pub(crate) fn translation(&self, lang: &str) -> &Translation {
        // Pages are rendered only after loading found no errors, and loading reports every
        // language of content/config.toml without a readable i18n/<lang>.toml; `lang` is
        // always one of those languages (a page's language is checked against them too).
        #[allow(clippy::indexing_slicing)]
        &self.translations[lang]
    }
}

/// One content file in one language.
pub(crate) struct Page {
    pub(crate) source: PathBuf,
    pub(crate) lang: String,
    /// Shared by translations: `stages/iii`, `stages/_index`, `_index`.
    pub(crate) canonical: String,
    pub(crate) front: FrontMatter,
    pub(crate) front_text: String,
    pub(crate) body: String,
    pub(crate) body_line: usize,
    /// Site-relative URL ending in `/`: `/ky/etaptar/iii-etap/`.
    pub(crate) url: String,
    /// Set for pages of a section with `paginate_by`: dated, listed, in the feed.
    pub(crate) report: bool,
    pub(crate) date: Option<NaiveDate>,
}

impl Page {
    pub(crate) fn is_section(&self) -> bool {
        self.canonical == "_index" || self.canonical.ends_with("/_index")
    }

    /// The section a page belongs to: `stages` for `stages/iii` and for `stages/_index`'s children;
    /// the parent section for a section's own page.
    pub(crate) fn parent_section(&self) -> Option<&str> {
        let dir = self.canonical.rsplit_once('/').map(|(dir, _)| dir);
        if self.is_section() {
            dir.map(|dir| dir.rsplit_once('/').map_or("", |(parent, _)| parent))
        } else {
            Some(dir.unwrap_or(""))
        }
    }

    /// The directory a section page describes: `stages` for `stages/_index`, `` for `_index`.
    pub(crate) fn section_dir(&self) -> Option<&str> {
        if self.canonical == "_index" {
            Some("")
        } else {
            self.canonical.strip_suffix("/_index")
        }
    }

    /// A stage's own page (not a report about a stage).
    pub(crate) fn stage_page(&self) -> Option<&str> {
        self.front.stage.as_deref().filter(|_| !self.report)
    }

    pub(crate) fn template(&self) -> String {
        match (&self.front.template, &self.front.stage) {
            (Some(template), _) => template.clone(),
            (None, _) if self.report => "report.html".into(),
            (None, Some(_)) => "stage.html".into(),
            (None, None) if self.is_section() => "section.html".into(),
            (None, None) => "page.html".into(),
        }
    }
}

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
    let mut pages = Vec::new();
    let mut broken = HashSet::new();
    for file in files {
        match parse_document(&file.path, &file.text) {
            Ok(doc) if doc.front.draft && !sources.drafts => {}
            Ok(doc) => pages.push(Page {
                report: false,
                date: None,
                body: doc.body.to_string(),
                body_line: doc.body_line,
                front: doc.front,
                front_text: doc.front_text.to_string(),
                source: file.path,
                lang: file.lang,
                canonical: file.canonical,
                url: String::new(),
            }),
            Err(err) => {
                broken.insert(file.canonical.clone());
                errors.push(err);
            }
        }
    }
    pages.sort_by(|a, b| (&a.lang, &a.canonical).cmp(&(&b.lang, &b.canonical)));

    let mut warnings = Vec::new();
    mark_reports(&mut pages, &config, &schedule, &mut errors, &mut warnings);
    check_translations(&pages, languages, &broken, dir, &mut errors);
    check_front_matter(&pages, (!schedule_broken).then_some(&schedule), sources.templates, &mut errors);
    assign_urls(&mut pages, &mut errors);

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
        },
        errors,
    ))
}

fn read(file: &Path) -> Result<String, ContentError> {
    std::fs::read_to_string(file).map_err(|err| ContentError::new(file, format!("cannot be read: {err}")))
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
            errors.push(ContentError::new(
                &file,
                format!("missing: every language needs a translation file, and `{lang}` is in content/config.toml"),
            ));
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

/// Every page must exist in every language, or in those its `languages` names.
fn check_translations(
    pages: &[Page],
    languages: &[String],
    broken: &HashSet<String>,
    dir: &Path,
    errors: &mut Vec<ContentError>,
) {
    let mut by_canonical: BTreeMap<&str, Vec<&Page>> = BTreeMap::new();
    for page in pages {
        by_canonical.entry(&page.canonical).or_default().push(page);
    }
    for (canonical, found) in by_canonical {
        // Each group holds the page that made it.
        let Some(first) = found.first() else {
            continue;
        };
        if broken.contains(canonical) {
            continue;
        }
        let declared = found.iter().find_map(|page| page.front.languages.as_ref());
        for page in &found {
            let Some(own) = &page.front.languages else {
                continue;
            };
            let line = content_model::line_of_key(&page.front_text, "languages").map_or(1, |l| l + 1);
            if let Some(unknown) = own.iter().find(|lang| !languages.contains(lang)) {
                errors.push(ContentError::at_line(
                    &page.source,
                    line,
                    format!("`languages` names `{unknown}`, which is not one of the site's languages"),
                ));
            } else if !own.contains(&page.lang) {
                errors.push(ContentError::at_line(
                    &page.source,
                    line,
                    format!("`languages` leaves out `{}`, the language of this file", page.lang),
                ));
            }
        }
        let needed = declared.map_or(languages, |declared| declared.as_slice());
        for lang in
            needed.iter().filter(|lang| languages.contains(lang) && !found.iter().any(|page| page.lang == **lang))
        {
            let missing = dir.join(format!("{canonical}.{lang}.md"));
            errors.push(ContentError::new(
                &first.source,
                format!("has no `{lang}` translation: {} is missing (or say `languages = [\"{}\"]` if it is written in one language only)", missing.display(), first.lang),
            ));
        }
    }
}

/// Pages of a section with `paginate_by` are reports: each needs a date. A date outside the
/// programme is worth a warning (a typo in the year?) but never stops a report that is
/// published today, whatever year today is.
fn mark_reports(
    pages: &mut [Page],
    config: &SiteConfig,
    schedule: &Schedule,
    errors: &mut Vec<ContentError>,
    warnings: &mut Vec<ContentError>,
) {
    // Dated sections, with the template of their pages.
    let dated: HashMap<String, Option<String>> = pages
        .iter()
        .filter(|page| page.front.paginate_by.is_some())
        .filter_map(|page| page.section_dir().map(|dir| (dir.to_string(), page.front.page_template.clone())))
        .collect();
    let window = config.programme_days().or_else(|| {
        let first = schedule.stages.iter().map(|stage| stage.period.first_day()).min()?;
        let last = schedule.stages.iter().map(|stage| stage.period.end_exclusive()).max()?.pred_opt()?;
        Some((first, last))
    });
    for page in pages.iter_mut() {
        let line_of = |key: &str| content_model::line_of_key(&page.front_text, key).map_or(1, |l| l + 1);
        let date = page.front.date.as_ref().map(|date| match (date.date, date.time) {
            (Some(day), None) => NaiveDate::from_ymd_opt(day.year.into(), day.month.into(), day.day.into()).ok_or(()),
            _ => Err(()),
        });
        match date {
            Some(Ok(date)) => page.date = Some(date),
            Some(Err(())) => errors.push(ContentError::at_line(
                &page.source,
                line_of("date"),
                "`date` must be a day, like `date = 2020-11-09`",
            )),
            None => {}
        }
        page.report = !page.is_section() && page.parent_section().is_some_and(|section| dated.contains_key(section));
        if !page.report {
            continue;
        }
        if page.front.template.is_none() {
            page.front.template = page.parent_section().and_then(|section| dated.get(section).cloned().flatten());
        }
        match (page.date, window) {
            (None, _) if page.front.date.is_none() => {
                errors.push(ContentError::at_line(
                    &page.source,
                    2,
                    "a report needs the day it is published: `date = 2020-11-09`",
                ));
            }
            (Some(date), Some((first, last))) if date < first || date > last => warnings.push(ContentError::at_line(
                &page.source,
                line_of("date"),
                format!(
                    "`date = {date}` is outside the programme ({first} to {last}, `programme` in content/config.toml)"
                ),
            )),
            _ => {}
        }
    }
}

fn check_front_matter(
    pages: &[Page],
    schedule: Option<&Schedule>,
    templates: &HashSet<String>,
    errors: &mut Vec<ContentError>,
) {
    for page in pages {
        let line_of = |key: &str| content_model::line_of_key(&page.front_text, key).map_or(1, |line| line + 1);
        let template = page.template();
        if !templates.contains(&template) {
            errors.push(ContentError::at_line(
                &page.source,
                line_of("template"),
                format!("there is no template `templates/{template}`"),
            ));
        }
        for include in &page.front.includes {
            if !templates.contains(&format!("includes/{include}.html")) {
                errors.push(ContentError::at_line(
                    &page.source,
                    line_of("includes"),
                    format!("`{include}` is not a block in templates/includes/"),
                ));
            }
        }
        if let (Some(stage), Some(schedule)) = (&page.front.stage, schedule) {
            if schedule.stage(stage).is_none() {
                let known: Vec<&str> = schedule.stages.iter().map(|s| s.id.as_str()).collect();
                errors.push(ContentError::at_line(
                    &page.source,
                    line_of("stage"),
                    format!("stage `{stage}` is not in content/schedule.toml (known: {})", known.join(", ")),
                ));
            }
        }
        if let Some(slug) = &page.front.slug {
            if !is_valid_slug(slug) {
                errors.push(ContentError::at_line(
                    &page.source,
                    line_of("slug"),
                    format!("slug `{slug}` may hold only lowercase latin letters, digits and hyphens"),
                ));
            }
        }
    }
}

impl Page {
    fn own_slug(&self) -> String {
        self.front.slug.clone().unwrap_or_else(|| slugify(&self.front.title))
    }
}

/// URLs: `/<lang>/` then one segment per section (from its `_index` page) and the page's slug.
fn assign_urls(pages: &mut [Page], errors: &mut Vec<ContentError>) {
    let section_slugs: HashMap<(String, String), String> = pages
        .iter()
        .filter_map(|page| {
            page.section_dir()
                .filter(|dir| !dir.is_empty())
                .map(|dir| ((page.lang.clone(), dir.to_string()), page.own_slug()))
        })
        .collect();
    let mut taken: HashMap<String, PathBuf> = HashMap::new();
    for page in pages.iter_mut() {
        let mut url = format!("/{}/", page.lang);
        let dir =
            page.section_dir().map(str::to_string).unwrap_or_else(|| page.parent_section().unwrap_or("").to_string());
        let mut prefix = String::new();
        for part in dir.split('/').filter(|part| !part.is_empty()) {
            prefix = if prefix.is_empty() { part.to_string() } else { format!("{prefix}/{part}") };
            let segment =
                section_slugs.get(&(page.lang.clone(), prefix.clone())).cloned().unwrap_or_else(|| slugify(part));
            url.push_str(&segment);
            url.push('/');
        }
        if !page.is_section() {
            url.push_str(&page.own_slug());
            url.push('/');
        }
        if let Some(other) = taken.insert(url.clone(), page.source.clone()) {
            errors.push(ContentError::new(
                &page.source,
                format!("its URL {url} is already used by {}: give one of them another `slug`", other.display()),
            ));
        }
        page.url = url;
    }
}
