//! The shapes templates see: everything already in the page's language, dates already
//! written out, statuses already decided. Templates only lay them out.
//!
//! [`language`] is what every page of a language shares; [`page`] the page itself;
//! [`schedule`] the stages and the deadline; [`report`] reports in listings and on their
//! own pages. The application form's view is [`content_model::form_view`], shared with
//! any other program that serves the form.

mod language;
mod page;
mod report;
mod schedule;

use serde::Serialize;

pub(crate) use language::{language_view, LanguageLink, LanguageView};
pub(crate) use page::PageView;
pub(crate) use report::{page_count, page_of, paginator, report_view, summary, ReportSummary};

/// A titled link.
#[derive(Serialize, Clone)]
pub(crate) struct Link {
    pub(crate) title: String,
    pub(crate) url: String,
}
