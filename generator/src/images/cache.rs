//! Encoded photos kept between builds (and between the preview's rebuilds), so that each
//! photo is encoded once: one folder per photo, named by the SHA-256 of its bytes and of the
//! encoding settings, holding `picture.json` and one file per width and format. A folder is
//! written under a temporary name and renamed into place, so a build that stops half-way
//! leaves no half entry; an entry that cannot be read is encoded again.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use photos::{Encoded, Fallback, Variant};

pub(crate) struct Cache {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    width: u32,
    height: u32,
    fallback: Fallback,
    widths: Vec<u32>,
}

impl Cache {
    /// The cache below `dir` (`.mektep/cache` by default): its `images/` folder.
    pub(crate) fn new(dir: &Path) -> Self {
        Self { dir: dir.join("images") }
    }

    /// The key of a photo's bytes under these settings.
    pub(crate) fn key(bytes: &[u8], settings: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(settings.as_bytes());
        hasher.update([0]);
        hasher.update(bytes);
        hasher.finalize().iter().take(16).map(|byte| format!("{byte:02x}")).collect()
    }

    pub(crate) fn get(&self, key: &str) -> Option<Encoded> {
        let folder = self.dir.join(key);
        let entry: Entry = serde_json::from_slice(&std::fs::read(folder.join("picture.json")).ok()?).ok()?;
        let variants = entry
            .widths
            .iter()
            .map(|&width| {
                Some(Variant {
                    width,
                    webp: std::fs::read(folder.join(format!("{width}.webp"))).ok()?,
                    fallback: std::fs::read(folder.join(format!("{width}.{}", entry.fallback.extension()))).ok()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Encoded { width: entry.width, height: entry.height, fallback: entry.fallback, variants })
    }

    /// Keeps `encoded` under `key`. A cache that cannot be written costs only time: the
    /// photo is encoded again next build, so failures are not errors of the build.
    pub(crate) fn put(&self, key: &str, encoded: &Encoded) {
        let folder = self.dir.join(key);
        // Only an entry that `get` could not read is put again: it is replaced.
        let _ = std::fs::remove_dir_all(&folder);
        let temporary = self.dir.join(format!(".{key}.{}.new", std::process::id()));
        let written = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(&temporary)?;
            for variant in &encoded.variants {
                std::fs::write(temporary.join(format!("{}.webp", variant.width)), &variant.webp)?;
                std::fs::write(
                    temporary.join(format!("{}.{}", variant.width, encoded.fallback.extension())),
                    &variant.fallback,
                )?;
            }
            let entry = Entry {
                width: encoded.width,
                height: encoded.height,
                fallback: encoded.fallback,
                widths: encoded.variants.iter().map(|variant| variant.width).collect(),
            };
            std::fs::write(temporary.join("picture.json"), serde_json::to_vec(&entry)?)?;
            std::fs::rename(&temporary, &folder)
        })();
        if written.is_err() {
            let _ = std::fs::remove_dir_all(&temporary);
        }
    }

    /// Removes the entries that no build has used for [`UNUSED_FOR`], so the cache does not
    /// grow with every photo ever replaced. Entries of this build (`keys`) are marked as used
    /// now. Age rather than "not in this build": one cache may serve several content folders
    /// (a checkout, a test's copy), which must not throw each other's photos away.
    pub(crate) fn mark_used_and_prune(&self, keys: &HashSet<String>) {
        let now = std::time::SystemTime::now();
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let stamp = entry.path().join("picture.json");
            if keys.contains(&name) {
                let _ = std::fs::File::options().write(true).open(&stamp).and_then(|file| file.set_modified(now));
                continue;
            }
            let unused_for = std::fs::metadata(&stamp)
                .and_then(|metadata| metadata.modified())
                .map(|used| now.duration_since(used).unwrap_or_default());
            // A temporary folder of a build that stopped, or an entry long unused.
            if unused_for.map_or(true, |age| age > UNUSED_FOR) {
                let started = entry.metadata().and_then(|metadata| metadata.modified());
                if started.is_ok_and(|started| now.duration_since(started).unwrap_or_default() > STALE_TEMPORARY) {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
    }
}

/// How long a photo may go unused before its encoded files are removed from the cache.
const UNUSED_FOR: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 60 * 60);
/// A folder without `picture.json` older than this is a write that never finished.
const STALE_TEMPORARY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_comes_back_as_it_was_put_and_a_damaged_one_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let encoded = Encoded {
            width: 500,
            height: 250,
            fallback: Fallback::Jpeg,
            variants: vec![
                Variant { width: 480, webp: b"w480".to_vec(), fallback: b"j480".to_vec() },
                Variant { width: 500, webp: b"w500".to_vec(), fallback: b"j500".to_vec() },
            ],
        };
        let key = Cache::key(b"photo", "settings");
        assert_ne!(key, Cache::key(b"photo", "other settings"));
        cache.put(&key, &encoded);
        let back = cache.get(&key).unwrap();
        assert_eq!((back.width, back.height, back.fallback), (500, 250, Fallback::Jpeg));
        assert_eq!(back.variants[1].webp, b"w500");
        assert_eq!(back.variants[0].fallback, b"j480");
        std::fs::remove_file(dir.path().join("images").join(&key).join("500.jpg")).unwrap();
        assert!(cache.get(&key).is_none());
        // Used by this build, or recently: kept. Unused for over 30 days: removed.
        cache.put(&key, &encoded);
        cache.mark_used_and_prune(&HashSet::from([key.clone()]));
        cache.mark_used_and_prune(&HashSet::new());
        assert!(cache.get(&key).is_some());
        let stamp = dir.path().join("images").join(&key).join("picture.json");
        let long_ago = std::time::SystemTime::now() - UNUSED_FOR - std::time::Duration::from_secs(60);
        std::fs::File::options().write(true).open(&stamp).unwrap().set_modified(long_ago).unwrap();
        std::fs::File::open(dir.path().join("images").join(&key)).unwrap().set_modified(long_ago).unwrap();
        cache.mark_used_and_prune(&HashSet::new());
        assert!(!dir.path().join("images").join(&key).exists());
    }
}
