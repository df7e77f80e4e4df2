//! [`Site`]: everything read from `content/`, and its pages found by language and path.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use content_model::{ContentError, Form, Schedule, Selection, SiteConfig, Translation};

use super::page::Page;
use super::resolve::Resolver;

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
    pub(super) index: HashMap<(String, String), usize>,
    /// How pages got their kind, template and URL, for reading one again ([`Site::reload_report`]).
    pub(super) resolver: Resolver,
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
