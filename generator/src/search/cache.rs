//! Search bundles kept between builds, in `<cache>/search/` (`.mektep/cache/search/` for
//! `build` and `serve`): one file per part of a language's index, `ky-0.bundle`, holding the
//! key it was made for and every file of the bundle. A part is indexed again only when its
//! key changes, and the key is a hash of everything Pagefind is given: its version, the
//! options, and each of the part's documents with its path, in order. A build whose reports
//! did not change thus takes every bundle from here; an edit of one report indexes its part
//! only.
//!
//! One file per part, not a folder of the bundle's files: a part of 10,000 pages has about
//! 5,000 files, and reading or writing one file costs a small part of that. The format is
//! ours and read only by this module: a first line naming the format, a line with the key,
//! the number of files (little-endian `u64`), then for each file its path's length and its
//! length (little-endian `u32` and `u64`), its path and its bytes. Anything else found (a
//! file cut short, another key) is a miss, and the part is indexed again.

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::output::Output;

/// The Pagefind this generator links, as `Cargo.lock` names it (a test holds it to that): a
/// new Pagefind makes other bundles from the same documents.
pub(super) const PAGEFIND: &str = "pagefind 1.6.0";

const FORMAT: &[u8] = b"mektep search bundle 1\n";

/// The search code itself, which decides what Pagefind is given and which of its files are
/// published: any change to it makes other bundles, so it is part of every key (the
/// generator's own version number does not change with each such edit).
const RECIPE: [&str; 2] = [include_str!("mod.rs"), include_str!("cache.rs")];

/// What a part's bundle is made from, hashed as its documents are written.
pub(super) struct Key(Sha256);

impl Key {
    /// A key for part `part` of `lang`, indexed with `options` (whatever else is given to
    /// Pagefind besides the documents).
    pub(super) fn new(lang: &str, part: usize, options: &str) -> Self {
        let mut hash = Sha256::new();
        let [search, cache] = RECIPE;
        for field in [PAGEFIND, search, cache, lang, &part.to_string(), options] {
            hash.update((field.len() as u64).to_le_bytes());
            hash.update(field.as_bytes());
        }
        Self(hash)
    }

    /// Adds a document at `path` (below the part's folder).
    pub(super) fn add(&mut self, path: &str, document: &str) {
        for field in [path, document] {
            self.0.update((field.len() as u64).to_le_bytes());
            self.0.update(field.as_bytes());
        }
    }

    pub(super) fn finish(self) -> String {
        self.0.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
    }
}

/// The folder of kept bundles below a build's cache folder.
pub(super) fn folder(cache: &Path) -> PathBuf {
    cache.join("search")
}

fn file(folder: &Path, lang: &str, part: usize) -> PathBuf {
    folder.join(format!("{lang}-{part}.bundle"))
}

/// The bundle of part `part` of `lang` kept for `key`, if there is one, and if every file of
/// it is below `bundle_dir` (a damaged or planted file names nothing outside the bundle).
pub(super) fn read(folder: &Path, lang: &str, part: usize, key: &str, bundle_dir: &str) -> Option<Vec<Output>> {
    let mut bytes = Vec::new();
    std::fs::File::open(file(folder, lang, part)).ok()?.read_to_end(&mut bytes).ok()?;
    let files = parse(&bytes, key)?;
    files.iter().all(|output| inside(&output.path, bundle_dir)).then_some(files)
}

/// Whether `path` is a file below `bundle_dir`, without `..`, `.` or empty segments.
fn inside(path: &str, bundle_dir: &str) -> bool {
    path.strip_prefix(bundle_dir)
        .is_some_and(|rest| rest.split('/').all(|segment| !segment.is_empty() && segment != "." && segment != ".."))
}

fn parse(bytes: &[u8], key: &str) -> Option<Vec<Output>> {
    let rest = bytes.strip_prefix(FORMAT)?;
    let rest = rest.strip_prefix(key.as_bytes())?.strip_prefix(b"\n")?;
    let count = usize::try_from(u64::from_le_bytes(rest.get(..8)?.try_into().ok()?)).ok()?;
    let mut files = Vec::new();
    let mut at = 8;
    for _ in 0..count {
        let name_length = u32::from_le_bytes(rest.get(at..at + 4)?.try_into().ok()?) as usize;
        let length = usize::try_from(u64::from_le_bytes(rest.get(at + 4..at + 12)?.try_into().ok()?)).ok()?;
        at += 12;
        let name = std::str::from_utf8(rest.get(at..at + name_length)?).ok()?;
        at += name_length;
        let content = rest.get(at..at.checked_add(length)?)?;
        at += length;
        files.push(Output::file(name, content.to_vec()));
    }
    (at == rest.len()).then_some(files)
}

/// Keeps `files`, the bundle of part `part` of `lang`, for `key`. Best effort: a bundle that
/// cannot be kept is made again next time. Written to a file of its own beside and renamed
/// into place, so that a build stopped half-way, or a preview and a build sharing the cache,
/// leave the old bundle or a new one whole.
pub(super) fn write(folder: &Path, lang: &str, part: usize, key: &str, files: &[Output]) {
    let target = file(folder, lang, part);
    let written = std::fs::create_dir_all(folder).and_then(|()| {
        let temporary = tempfile::Builder::new().prefix(".bundle-").tempfile_in(folder)?;
        let mut out = std::io::BufWriter::new(temporary);
        out.write_all(FORMAT)?;
        out.write_all(key.as_bytes())?;
        out.write_all(b"\n")?;
        out.write_all(&(files.len() as u64).to_le_bytes())?;
        for output in files {
            let name_length = u32::try_from(output.path.len()).map_err(std::io::Error::other)?;
            out.write_all(&name_length.to_le_bytes())?;
            out.write_all(&(output.bytes.len() as u64).to_le_bytes())?;
            out.write_all(output.path.as_bytes())?;
            out.write_all(&output.bytes)?;
        }
        let temporary = out.into_inner().map_err(|error| error.into_error())?;
        temporary.as_file().sync_all()?;
        temporary.persist(&target).map(|_| ()).map_err(|error| error.error)
    });
    // A temporary file not persisted removes itself.
    drop(written);
}

/// Removes kept bundles of parts a site no longer has (`wanted`: (language, part)), best effort.
pub(super) fn forget_others(folder: &Path, wanted: &[(String, usize)]) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    let keep: std::collections::HashSet<String> =
        wanted.iter().map(|(lang, part)| format!("{lang}-{part}.bundle")).collect();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        // Another process's bundle being written (`.bundle-…`) is left alone.
        if name.ends_with(".bundle") && !keep.contains(&name) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundle_is_read_back_for_its_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![
            Output::file("ky/pagefind/pagefind-entry.json", b"{\"version\":\"1.6.0\"}".to_vec()),
            Output::file("ky/pagefind/index/ky_1a.pf_index", vec![0, 1, 2, 255]),
            Output::file("ky/pagefind/empty", Vec::new()),
        ];
        write(dir.path(), "ky", 0, "abc", &files);
        let back = read(dir.path(), "ky", 0, "abc", "ky/pagefind/").unwrap();
        assert_eq!(
            back.iter().map(|file| (&file.path, &file.bytes)).collect::<Vec<_>>(),
            files.iter().map(|file| (&file.path, &file.bytes)).collect::<Vec<_>>()
        );
        assert!(read(dir.path(), "ky", 0, "abd", "ky/pagefind/").is_none(), "another key");
        assert!(read(dir.path(), "ky", 1, "abc", "ky/pagefind/").is_none(), "another part");
        // Files outside the bundle it is read for are not taken.
        assert!(read(dir.path(), "ky", 0, "abc", "ky/pagefind-2/").is_none(), "another bundle's folder");
        write(dir.path(), "ky", 0, "abc", &[Output::file("ky/pagefind/../../index.html", b"x".to_vec())]);
        assert!(read(dir.path(), "ky", 0, "abc", "ky/pagefind/").is_none(), "a path out of the bundle");
        // Cut short anywhere, it is a miss, not a bundle with a file missing.
        let whole = std::fs::read(file(dir.path(), "ky", 0)).unwrap();
        for length in [whole.len() - 1, whole.len() - 5, FORMAT.len() + 4, FORMAT.len() + 12] {
            assert!(parse(&whole[..length], "abc").is_none(), "cut at {length}");
        }
    }

    #[test]
    fn the_key_changes_with_any_document_or_its_path() {
        let key = |documents: &[(&str, &str)]| {
            let mut key = Key::new("ky", 0, "fragments=4");
            for (path, document) in documents {
                key.add(path, document);
            }
            key.finish()
        };
        let base = key(&[("ky/a/index.html", "<p>a</p>"), ("ky/b/index.html", "<p>b</p>")]);
        assert_eq!(base, key(&[("ky/a/index.html", "<p>a</p>"), ("ky/b/index.html", "<p>b</p>")]));
        assert_ne!(base, key(&[("ky/a/index.html", "<p>a</p>"), ("ky/b/index.html", "<p>B</p>")]));
        assert_ne!(base, key(&[("ky/a/index.html", "<p>a</p>"), ("ky/c/index.html", "<p>b</p>")]));
        assert_ne!(base, key(&[("ky/b/index.html", "<p>b</p>"), ("ky/a/index.html", "<p>a</p>")]));
        // The boundary between path and document is part of the key.
        assert_ne!(key(&[("ky/a/index.html<", "p>a</p>")]), key(&[("ky/a/index.html", "<p>a</p>")]));
    }

    #[test]
    fn the_pagefind_named_is_the_one_cargo_lock_has() {
        let lock = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.lock")).unwrap();
        let version = lock.split("name = \"pagefind\"\nversion = \"").nth(1).unwrap().split('"').next().unwrap();
        assert_eq!(PAGEFIND, format!("pagefind {version}"));
    }
}
