//! Step one: read `content/` into a [`Site`]: configuration, data files, translations
//! and parsed pages. Every problem found is collected, so `check` can show them all.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use content_model::{ContentError, Form, Schedule, Selection, SiteConfig};
use rayon::prelude::*;

use crate::front_matter::{parse_document, FrontMatter, KeyLines};
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
    /// How pages got their kind, template and URL, for reading one again ([`Site::reload_report`]).
    resolver: Resolver,
}

impl Site {
    /// The page at content path `canonical` in `lang`.
    pub(crate) fn page(&self, lang: &str, canonical: &str) -> Option<&Page> {
        self.position(lang, canonical).and_then(|i| self.pages.get(i))
    }

    /// Where the page at `canonical` in `lang` is in `pages` (and in what is made per page).
    pub(crate) fn position(&self, lang: &str, canonical: &str) -> Option<usize> {
        self.index.get(&(lang.to_string(), canonical.to_string())).copied()
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

/// One content file in one language, with what it is decided once at load.
pub(crate) struct Page {
    pub(crate) source: PathBuf,
    pub(crate) lang: String,
    /// Shared by translations: `stages/iii`, `stages/_index`, `_index`.
    pub(crate) canonical: String,
    pub(crate) front: FrontMatter,
    /// Where the front matter's keys are, for problems found after parsing.
    pub(crate) lines: KeyLines,
    pub(crate) body: String,
    pub(crate) body_line: usize,
    /// Site-relative URL ending in `/`: `/ky/etaptar/iii-etap/`.
    pub(crate) url: String,
    pub(crate) kind: PageKind,
    /// Under `templates/`: the page's own `template`, else its section's `page_template`
    /// for a report, else the default of its kind.
    pub(crate) template: String,
}

/// What a page is, from where it lies and what its section says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PageKind {
    /// A page of its own (`about`), or a stage's own page (`stages/iii` with `stage = "III"`).
    Page,
    /// A section's own page (`stages/_index`), describing the folder `dir` (`stages`; `` for
    /// the home page). With `per_page` (its `paginate_by`) it lists its reports page by page,
    /// with tag pages and a feed.
    Section { dir: String, per_page: Option<usize> },
    /// A page of a section that lists its pages: dated, listed, tagged, in the feed.
    Report { date: NaiveDate, section: String },
}

impl PageKind {
    /// A report's section directory.
    fn section(&self) -> Option<&str> {
        match self {
            PageKind::Report { section, .. } => Some(section),
            _ => None,
        }
    }
}

impl Page {
    /// The section a page belongs to: `stages` for `stages/iii` and for `stages/_index`'s children;
    /// the parent section for a section's own page.
    pub(crate) fn parent_section(&self) -> Option<&str> {
        parent_section(&self.canonical)
    }

    /// The directory a section page describes: `stages` for `stages/_index`, `` for `_index`.
    pub(crate) fn section_dir(&self) -> Option<&str> {
        match &self.kind {
            PageKind::Section { dir, .. } => Some(dir),
            _ => None,
        }
    }

    /// For a section that lists its reports: its directory and how many reports per page.
    pub(crate) fn listing(&self) -> Option<(&str, usize)> {
        match &self.kind {
            PageKind::Section { dir, per_page: Some(per_page) } => Some((dir, *per_page)),
            _ => None,
        }
    }

    /// A report's day of publication.
    pub(crate) fn report_date(&self) -> Option<NaiveDate> {
        match self.kind {
            PageKind::Report { date, .. } => Some(date),
            _ => None,
        }
    }

    pub(crate) fn is_report(&self) -> bool {
        matches!(self.kind, PageKind::Report { .. })
    }

    /// A stage's own page (not a report about a stage).
    pub(crate) fn stage_page(&self) -> Option<&str> {
        self.front.stage.as_deref().filter(|_| !self.is_report())
    }
}

/// The directory a section page describes: `stages` for `stages/_index`, `` for `_index`.
fn section_dir(canonical: &str) -> Option<&str> {
    if canonical == "_index" {
        Some("")
    } else {
        canonical.strip_suffix("/_index")
    }
}

/// The section `canonical` belongs to; for a section's own page, the parent section.
fn parent_section(canonical: &str) -> Option<&str> {
    let dir = canonical.rsplit_once('/').map(|(dir, _)| dir);
    if section_dir(canonical).is_some() {
        dir.map(|dir| dir.rsplit_once('/').map_or("", |(parent, _)| parent))
    } else {
        Some(dir.unwrap_or(""))
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
            let line = page.lines.languages.unwrap_or(1);
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

/// A content file parsed, before it is known what it is.
struct Parsed {
    source: PathBuf,
    lang: String,
    canonical: String,
    front: FrontMatter,
    lines: KeyLines,
    body: String,
    body_line: usize,
}

impl Parsed {
    fn own_slug(&self) -> String {
        self.front.slug.clone().unwrap_or_else(|| slugify(&self.front.title))
    }
}

/// Decides what a page is, its template and its URL, from what the whole site says: which
/// sections are dated (with their pages' template), the programme's days, and the URL
/// segment of every section.
///
/// Pages of a section with `paginate_by` are reports: each needs a date. A date outside the
/// programme is worth a warning (a typo in the year?) but never stops a report that is
/// published today, whatever year today is.
struct Resolver {
    /// Dated sections, with the template of their pages.
    dated: HashMap<String, Option<String>>,
    window: Option<(NaiveDate, NaiveDate)>,
    urls: Urls,
}

impl Resolver {
    fn new(parsed: &[Parsed], config: &SiteConfig, schedule: &Schedule) -> Self {
        let dated = parsed
            .iter()
            .filter(|page| page.front.paginate_by.is_some())
            .filter_map(|page| {
                section_dir(&page.canonical).map(|dir| (dir.to_string(), page.front.page_template.clone()))
            })
            .collect();
        let window = config.programme_days().or_else(|| {
            let first = schedule.stages.iter().map(|stage| stage.period.first_day()).min()?;
            let last = schedule.stages.iter().map(|stage| stage.period.end_exclusive()).max()?.pred_opt()?;
            Some((first, last))
        });
        Self { dated, window, urls: Urls::new(parsed) }
    }

    fn resolve(&self, page: Parsed, errors: &mut Vec<ContentError>, warnings: &mut Vec<ContentError>) -> Page {
        let date_line = page.lines.date.unwrap_or(1);
        let date = page.front.date.as_ref().and_then(|date| {
            let day = day_of(date);
            if day.is_none() {
                errors.push(ContentError::at_line(
                    &page.source,
                    date_line,
                    "`date` must be a day, like `date = 2020-11-09`",
                ));
            }
            day
        });
        let own_dir = section_dir(&page.canonical);
        // The section whose pages are reports, with the template of their pages.
        let dated_section = parent_section(&page.canonical)
            .filter(|_| own_dir.is_none())
            .and_then(|section| self.dated.get_key_value(section));
        if dated_section.is_some() {
            match (date, self.window) {
                (None, _) if page.front.date.is_none() => errors.push(ContentError::at_line(
                    &page.source,
                    2,
                    "a report needs the day it is published: `date = 2020-11-09`",
                )),
                (Some(date), Some((first, last))) if date < first || date > last => {
                    warnings.push(ContentError::at_line(
                        &page.source,
                        date_line,
                        format!(
                            "`date = {date}` is outside the programme ({first} to {last}, `programme` in content/config.toml)"
                        ),
                    ))
                }
                _ => {}
            }
        }
        // A report without a readable date is an error already reported: nothing is rendered,
        // so it need not be listed.
        let kind = match (own_dir, dated_section, date) {
            (Some(dir), _, _) => PageKind::Section { dir: dir.to_string(), per_page: page.front.paginate_by },
            (None, Some((section, _)), Some(date)) => PageKind::Report { date, section: section.clone() },
            _ => PageKind::Page,
        };
        let template = match (&page.front.template, dated_section, &page.front.stage) {
            (Some(template), _, _) => template.clone(),
            (None, Some((_, Some(template))), _) => template.clone(),
            (None, Some((_, None)), _) => "report.html".into(),
            (None, None, Some(_)) => "stage.html".into(),
            (None, None, None) if own_dir.is_some() => "section.html".into(),
            (None, None, None) => "page.html".into(),
        };
        Page {
            url: self.urls.of(&page),
            kind,
            template,
            source: page.source,
            lang: page.lang,
            canonical: page.canonical,
            front: page.front,
            lines: page.lines,
            body: page.body,
            body_line: page.body_line,
        }
    }
}

/// A report read again by [`Site::reload_report`].
pub(crate) enum Reloaded {
    /// The report, at the same URL and in the same section, with its warnings.
    InPlace(Box<Page>, Vec<ContentError>),
    /// The edit moves the page within the site (its URL, kind, section, languages or draft
    /// state changed): only a whole load can place it.
    Moved,
}

impl Site {
    /// Reads the report at `index` in `pages` again from its file and checks it as loading
    /// does. The site is left as it is: [`Site::replace`] puts the result in.
    pub(crate) fn reload_report(
        &self,
        index: usize,
        templates: &HashSet<String>,
    ) -> Result<Reloaded, Vec<ContentError>> {
        let Some(old) = self.pages.get(index).filter(|page| page.is_report()) else {
            return Ok(Reloaded::Moved);
        };
        let text = read(&old.source).map_err(|error| vec![error])?;
        let doc = parse_document(&old.source, &text).map_err(|error| vec![error])?;
        let parsed = Parsed {
            body: doc.body.to_string(),
            body_line: doc.body_line,
            front: doc.front,
            lines: doc.lines,
            source: old.source.clone(),
            lang: old.lang.clone(),
            canonical: old.canonical.clone(),
        };
        let (mut errors, mut warnings) = (Vec::new(), Vec::new());
        let page = self.resolver.resolve(parsed, &mut errors, &mut warnings);
        check_front_matter(std::slice::from_ref(&page), Some(&self.schedule), templates, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        let same_place = page.url == old.url
            && page.kind.section() == old.kind.section()
            && page.front.draft == old.front.draft
            && page.front.languages == old.front.languages;
        Ok(if same_place { Reloaded::InPlace(Box::new(page), warnings) } else { Reloaded::Moved })
    }

    /// Puts a page read by [`Site::reload_report`] in place of the one at `index`, with its
    /// warnings in place of the old page's; gives the old page back.
    pub(crate) fn replace(&mut self, index: usize, page: Page, warnings: Vec<ContentError>) -> Option<Page> {
        let slot = self.pages.get_mut(index)?;
        let source = page.source.clone();
        let old = std::mem::replace(slot, page);
        self.warnings.retain(|warning| warning.file != source);
        self.warnings.extend(warnings);
        Some(old)
    }
}

fn check_front_matter(
    pages: &[Page],
    schedule: Option<&Schedule>,
    templates: &HashSet<String>,
    errors: &mut Vec<ContentError>,
) {
    for page in pages {
        // The line of a key the page writes; line 1 for what it leaves to defaults.
        let line_of = |line: Option<usize>| line.unwrap_or(1);
        if !templates.contains(&page.template) {
            errors.push(ContentError::at_line(
                &page.source,
                line_of(page.lines.template),
                format!("there is no template `templates/{}`", page.template),
            ));
        }
        for include in &page.front.includes {
            if !templates.contains(&format!("includes/{include}.html")) {
                errors.push(ContentError::at_line(
                    &page.source,
                    line_of(page.lines.includes),
                    format!("`{include}` is not a block in templates/includes/"),
                ));
            }
        }
        if let (Some(stage), Some(schedule)) = (&page.front.stage, schedule) {
            if schedule.stage(stage).is_none() {
                let known: Vec<&str> = schedule.stages.iter().map(|s| s.id.as_str()).collect();
                errors.push(ContentError::at_line(
                    &page.source,
                    line_of(page.lines.stage),
                    format!("stage `{stage}` is not in content/schedule.toml (known: {})", known.join(", ")),
                ));
            }
        }
        if let Some(slug) = &page.front.slug {
            if !is_valid_slug(slug) {
                errors.push(ContentError::at_line(
                    &page.source,
                    line_of(page.lines.slug),
                    format!("slug `{slug}` may hold only lowercase latin letters, digits and hyphens"),
                ));
            }
        }
    }
}

/// URLs: `/<lang>/` then one segment per section (from its `_index` page) and the page's slug.
struct Urls {
    /// The URL segment of each section directory, by language.
    section_slugs: HashMap<(String, String), String>,
}

impl Urls {
    fn new(pages: &[Parsed]) -> Self {
        let section_slugs = pages
            .iter()
            .filter_map(|page| {
                section_dir(&page.canonical)
                    .filter(|dir| !dir.is_empty())
                    .map(|dir| ((page.lang.clone(), dir.to_string()), page.own_slug()))
            })
            .collect();
        Self { section_slugs }
    }

    fn of(&self, page: &Parsed) -> String {
        let mut url = format!("/{}/", page.lang);
        let own_dir = section_dir(&page.canonical);
        let dir = own_dir.or_else(|| parent_section(&page.canonical)).unwrap_or("");
        let mut prefix = String::new();
        for part in dir.split('/').filter(|part| !part.is_empty()) {
            prefix = if prefix.is_empty() { part.to_string() } else { format!("{prefix}/{part}") };
            let segment =
                self.section_slugs.get(&(page.lang.clone(), prefix.clone())).cloned().unwrap_or_else(|| slugify(part));
            url.push_str(&segment);
            url.push('/');
        }
        if own_dir.is_none() {
            url.push_str(&page.own_slug());
            url.push('/');
        }
        url
    }
}

/// `date = 2020-11-09` as a day; `None` for a time, or a day that does not exist.
fn day_of(date: &toml::value::Datetime) -> Option<NaiveDate> {
    match (date.date, date.time) {
        (Some(day), None) => NaiveDate::from_ymd_opt(day.year.into(), day.month.into(), day.day.into()),
        _ => None,
    }
}

/// No two pages at one URL.
fn check_unique_urls(pages: &[Page], errors: &mut Vec<ContentError>) {
    let mut taken: HashMap<&str, &Path> = HashMap::new();
    for page in pages {
        if let Some(other) = taken.insert(&page.url, &page.source) {
            errors.push(ContentError::new(
                &page.source,
                format!("its URL {} is already used by {}: give one of them another `slug`", page.url, other.display()),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(canonical: &str, front: &str) -> Parsed {
        let source = PathBuf::from(format!("content/{canonical}.ky.md"));
        let text = format!("+++\n{front}\n+++\n");
        let doc = parse_document(&source, &text).unwrap();
        Parsed {
            source,
            lang: "ky".into(),
            canonical: canonical.into(),
            front: doc.front,
            lines: doc.lines,
            body: doc.body.into(),
            body_line: doc.body_line,
        }
    }

    fn resolve(parsed: Vec<Parsed>) -> (Vec<Page>, Vec<ContentError>) {
        let config = SiteConfig::parse(Path::new("config.toml"), include_str!("../../content/config.toml")).unwrap();
        let mut errors = Vec::new();
        let resolver = Resolver::new(&parsed, &config, &Schedule::default());
        let pages = parsed.into_iter().map(|page| resolver.resolve(page, &mut errors, &mut Vec::new())).collect();
        (pages, errors)
    }

    #[test]
    fn a_listings_pages_are_reports_in_its_page_template() {
        let (pages, errors) = resolve(vec![
            parsed("reports/_index", "title = \"Отчеттор\"\npaginate_by = 5\npage_template = \"news.html\""),
            parsed("reports/a", "title = \"Жолугушуу\"\ndate = 2020-11-09\nstage = \"III\""),
            parsed("stages/iii", "title = \"III этап\"\nstage = \"III\""),
        ]);
        assert!(errors.is_empty(), "{errors:?}");
        let [listing, report, stage] = pages.as_slice() else { panic!("three pages") };
        assert_eq!(listing.kind, PageKind::Section { dir: "reports".into(), per_page: Some(5) });
        assert_eq!(listing.template, "section.html");
        assert_eq!(
            report.kind,
            PageKind::Report { date: NaiveDate::from_ymd_opt(2020, 11, 9).unwrap(), section: "reports".into() }
        );
        assert_eq!(report.template, "news.html");
        assert_eq!(report.front.template, None, "the front matter stays as written");
        assert_eq!(report.stage_page(), None);
        assert_eq!((stage.kind.clone(), stage.template.as_str()), (PageKind::Page, "stage.html"));
        assert_eq!(stage.stage_page(), Some("III"));
        assert_eq!(report.url, "/ky/otchettor/zholugushuu/");
    }

    #[test]
    fn a_date_that_is_not_a_day_names_its_line() {
        let (pages, errors) = resolve(vec![
            parsed("reports/_index", "title = \"Отчеттор\"\npaginate_by = 5"),
            parsed("reports/a", "title = \"Жолугушуу\"\n\ndate = 2020-11-09T10:00:00"),
        ]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors.first().map(ToString::to_string).unwrap_or_default(),
            "content/reports/a.ky.md:4: `date` must be a day, like `date = 2020-11-09`"
        );
        assert!(pages.iter().all(|page| !page.is_report()), "nothing to list without a day");
    }
}
