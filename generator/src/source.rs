//! Finding the Markdown files under `content/` and what their names say.

use std::path::{Path, PathBuf};

use content_model::{ContentError, Message};
use rayon::prelude::*;
use walkdir::WalkDir;

/// A Markdown file of `content/`, named `<name>.<lang>.md`.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    /// Path as shown to editors (relative to the site root when possible).
    pub(crate) path: PathBuf,
    pub(crate) lang: String,
    /// The path shared by all translations: `stages/iii` for `stages/iii.ky.md`,
    /// `stages/_index` for a section's own page.
    pub(crate) canonical: String,
    pub(crate) text: String,
}

/// A content file found by the walk, to be read.
struct Found {
    path: PathBuf,
    shown: PathBuf,
    lang: String,
    canonical: String,
}

/// Reads every `*.md` under `content_dir` in a stable order. Files that are not
/// `<name>.<lang>.md` for a configured language are errors, not silently skipped.
pub(crate) fn read_sources(
    content_dir: &Path,
    shown_root: &Path,
    languages: &[String],
) -> (Vec<SourceFile>, Vec<ContentError>) {
    // The walk decides what is read, in order; the reading itself runs on every core.
    let mut found: Vec<Result<Found, ContentError>> = Vec::new();
    for entry in WalkDir::new(content_dir).sort_by_file_name() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().unwrap_or(content_dir).to_path_buf();
                found.push(Err(ContentError::new(path, Message::CannotRead { error: err.to_string() })));
                continue;
            }
        };
        let path = entry.path();
        if !entry.file_type().is_file() || path.extension().is_none_or(|ext| ext != "md") {
            continue;
        }
        let shown = shown_root.join(path.strip_prefix(content_dir).unwrap_or(path));
        let relative = path.strip_prefix(content_dir).unwrap_or(path).to_string_lossy().replace('\\', "/");
        let Some((canonical, lang)) = split_name(&relative) else {
            found.push(Err(ContentError::new(&shown, Message::ContentFileName {})));
            continue;
        };
        if !languages.iter().any(|known| known == lang) {
            found.push(Err(ContentError::new(
                &shown,
                Message::FileLanguageUnknown { lang: lang.to_string(), languages: languages.join(", ") },
            )));
            continue;
        }
        found.push(Ok(Found {
            path: path.to_path_buf(),
            shown,
            lang: lang.to_string(),
            canonical: canonical.to_string(),
        }));
    }
    let read: Vec<Result<SourceFile, ContentError>> = found
        .into_par_iter()
        .map(|file| {
            let Found { path, shown, lang, canonical } = file?;
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(SourceFile { path: shown, lang, canonical, text }),
                Err(err) => Err(ContentError::new(&shown, Message::CannotRead { error: err.to_string() })),
            }
        })
        .collect();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for file in read {
        match file {
            Ok(file) => files.push(file),
            Err(error) => errors.push(error),
        }
    }
    (files, errors)
}

/// `stages/iii.ky.md` → (`stages/iii`, `ky`).
fn split_name(relative: &str) -> Option<(&str, &str)> {
    let stem = relative.strip_suffix(".md")?;
    let (canonical, lang) = stem.rsplit_once('.')?;
    (!canonical.is_empty() && !canonical.ends_with('/') && !lang.is_empty()).then_some((canonical, lang))
}

#[cfg(test)]
mod tests {
    use super::split_name;

    #[test]
    fn language_comes_from_the_file_name() {
        assert_eq!(split_name("stages/iii.ky.md"), Some(("stages/iii", "ky")));
        assert_eq!(split_name("_index.ru.md"), Some(("_index", "ru")));
        assert_eq!(split_name("about.md"), None);
    }
}
