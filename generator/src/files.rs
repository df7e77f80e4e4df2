//! Reading a folder of files in a stable order, every failure named.

use std::path::Path;

use content_model::ContentError;
use walkdir::WalkDir;

/// Every file below `dir`, sorted, as (path relative to `dir` with `/` separators, bytes),
/// for which `wanted` says yes. A missing `dir` has no files.
pub(crate) fn read_files(dir: &Path, wanted: impl Fn(&str) -> bool) -> (Vec<(String, Vec<u8>)>, Vec<ContentError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    if !dir.exists() {
        return (files, errors);
    }
    for entry in WalkDir::new(dir).sort_by_file_name() {
        let entry = match entry {
            Ok(entry) if entry.file_type().is_file() => entry,
            Ok(_) => continue,
            Err(err) => {
                errors.push(ContentError::new(
                    err.path().unwrap_or(dir),
                    content_model::Message::CannotRead { error: err.to_string() },
                ));
                continue;
            }
        };
        let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/");
        if !wanted(&relative) {
            continue;
        }
        match std::fs::read(entry.path()) {
            Ok(bytes) => files.push((relative, bytes)),
            Err(err) => errors
                .push(ContentError::new(entry.path(), content_model::Message::CannotRead { error: err.to_string() })),
        }
    }
    (files, errors)
}
