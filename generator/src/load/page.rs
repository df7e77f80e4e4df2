//! A content file in its two stages: [`Parsed`], its front matter and body read, and
//! [`Page`], once the whole site said what it is ([`PageKind`]), its template and its URL.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::front_matter::{FrontMatter, KeyLines};
use crate::slug::slugify;

/// A content file parsed, before it is known what it is.
pub(super) struct Parsed {
    pub(super) source: PathBuf,
    pub(super) lang: String,
    pub(super) canonical: String,
    pub(super) front: FrontMatter,
    pub(super) lines: KeyLines,
    pub(super) body: String,
    pub(super) body_line: usize,
}

impl Parsed {
    pub(super) fn own_slug(&self) -> String {
        self.front.slug.clone().unwrap_or_else(|| slugify(&self.front.title))
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
    pub(super) fn section(&self) -> Option<&str> {
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
pub(super) fn section_dir(canonical: &str) -> Option<&str> {
    if canonical == "_index" {
        Some("")
    } else {
        canonical.strip_suffix("/_index")
    }
}

/// The section `canonical` belongs to; for a section's own page, the parent section.
pub(super) fn parent_section(canonical: &str) -> Option<&str> {
    let dir = canonical.rsplit_once('/').map(|(dir, _)| dir);
    if section_dir(canonical).is_some() {
        dir.map(|dir| dir.rsplit_once('/').map_or("", |(parent, _)| parent))
    } else {
        Some(dir.unwrap_or(""))
    }
}
