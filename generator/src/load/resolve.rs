//! What each page is, its template and its URL, from what the whole site says; and that
//! what its front matter names (template, blocks, stage) exists and its slug is one.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use content_model::{ContentError, Message, Schedule, SiteConfig};

use super::page::{parent_section, section_dir, Page, PageKind, Parsed};
use super::urls::Urls;
use crate::slug::is_valid_slug;

/// Decides what a page is, its template and its URL, from what the whole site says: which
/// sections are dated (with their pages' template), the programme's days, and the URL
/// segment of every section.
///
/// Pages of a section with `paginate_by` are reports: each needs a date. A date outside the
/// programme is worth a warning (a typo in the year?) but never stops a report that is
/// published today, whatever year today is.
pub(super) struct Resolver {
    /// Dated sections, with the template of their pages.
    dated: HashMap<String, Option<String>>,
    window: Option<(NaiveDate, NaiveDate)>,
    urls: Urls,
}

impl Resolver {
    pub(super) fn new(parsed: &[Parsed], config: &SiteConfig, schedule: &Schedule) -> Self {
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

    pub(super) fn resolve(
        &self,
        page: Parsed,
        errors: &mut Vec<ContentError>,
        warnings: &mut Vec<ContentError>,
    ) -> Page {
        let date_line = page.lines.date.unwrap_or(1);
        let date = page.front.date.as_ref().and_then(|date| {
            let day = day_of(date);
            if day.is_none() {
                errors.push(ContentError::at_line(&page.source, date_line, Message::DateNotADay {}));
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
                (None, _) if page.front.date.is_none() => {
                    errors.push(ContentError::at_line(&page.source, 2, Message::ReportWithoutDate {}))
                }
                (Some(date), Some((first, last))) if date < first || date > last => {
                    warnings.push(ContentError::at_line(
                        &page.source,
                        date_line,
                        Message::DateOutsideProgramme {
                            date: date.to_string(),
                            first: first.to_string(),
                            last: last.to_string(),
                        },
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

pub(super) fn check_front_matter(
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
                Message::UnknownTemplate { template: page.template.clone() },
            ));
        }
        for include in &page.front.includes {
            if !templates.contains(&format!("includes/{include}.html")) {
                errors.push(ContentError::at_line(
                    &page.source,
                    line_of(page.lines.includes),
                    Message::UnknownInclude { include: include.clone() },
                ));
            }
        }
        if let (Some(stage), Some(schedule)) = (&page.front.stage, schedule) {
            if schedule.stage(stage).is_none() {
                let known: Vec<&str> = schedule.stages.iter().map(|s| s.id.as_str()).collect();
                errors.push(ContentError::at_line(
                    &page.source,
                    line_of(page.lines.stage),
                    Message::UnknownStage { stage: stage.clone(), known: known.join(", ") },
                ));
            }
        }
        if let Some(slug) = &page.front.slug {
            if !is_valid_slug(slug) {
                errors.push(ContentError::at_line(
                    &page.source,
                    line_of(page.lines.slug),
                    Message::InvalidSlug { slug: slug.clone() },
                ));
            }
        }
    }
}

/// `date = 2020-11-09` as a day; `None` for a time, or a day that does not exist.
fn day_of(date: &toml::value::Datetime) -> Option<NaiveDate> {
    match (date.date, date.time) {
        (Some(day), None) => NaiveDate::from_ymd_opt(day.year.into(), day.month.into(), day.day.into()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::*;
    use crate::front_matter::parse_document;

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
        let config = SiteConfig::parse(Path::new("config.toml"), include_str!("../../../content/config.toml")).unwrap();
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
