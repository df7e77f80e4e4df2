//! Every page in each of the site's languages, or in those its `languages` names.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use content_model::{ContentError, Message};

use super::page::Page;

/// Every page must exist in every language, or in those its `languages` names.
pub(super) fn check_translations(
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
                    Message::LanguagesUnknown { lang: unknown.clone() },
                ));
            } else if !own.contains(&page.lang) {
                errors.push(ContentError::at_line(
                    &page.source,
                    line,
                    Message::LanguagesLeavesOut { lang: page.lang.clone() },
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
                Message::MissingPageTranslation {
                    lang: lang.clone(),
                    missing: missing.display().to_string(),
                    only: first.lang.clone(),
                },
            ));
        }
    }
}
