//! One report read again from its file while `serve` runs, checked as loading checks it,
//! and put in place of the old one when it stays where it was.

use std::collections::HashSet;

use content_model::ContentError;

use super::page::{Page, Parsed};
use super::read;
use super::resolve::check_front_matter;
use super::site::Site;
use crate::front_matter::parse_document;

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
