//! A content page or a generated one (a tag listing) as its template sees it.

use serde::Serialize;

use super::schedule::StageView;
use super::Link;

/// The page itself, as its template sees it.
#[derive(Serialize)]
pub(crate) struct PageView<'a> {
    pub(crate) title: &'a str,
    pub(crate) description: Option<String>,
    pub(crate) content: &'a str,
    pub(crate) url: &'a str,
    pub(crate) permalink: String,
    pub(crate) includes: &'a [String],
    pub(crate) stage: Option<&'a StageView>,
    /// Pages directly in this section, for section pages.
    pub(crate) children: &'a [Link],
}
