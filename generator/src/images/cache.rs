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

    /// Removes the entries of photos no longer in the content, so the cache does not grow
    /// with every photo ever replaced.
    pub(crate) fn keep_only(&self, keys: &HashSet<String>) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') && !keys.contains(&name) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

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
        cache.keep_only(&HashSet::new());
        assert!(!dir.path().join("images").join(&key).exists());
    }
}
