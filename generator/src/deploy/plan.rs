//! What a deploy does, decided without touching the network: the built files and what the
//! bucket holds go in, the uploads, deletions and CDN invalidations come out. Files are
//! compared by the SHA-256 of their bytes (kept in each object's metadata) and by the
//! headers they are served with, never by timestamp.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use sha2::{Digest, Sha256};

use crate::content_type::content_type;
use crate::fingerprint::{carries_digest, hex};

/// Pages, feeds, calendars, the sitemap and every file whose name stays the same when it
/// changes: caches must ask each time whether they are still current.
pub(crate) const REVALIDATE: &str = "public, max-age=0, must-revalidate";
/// Files with their content hash in the name: a change is a new name, so keep them a year.
pub(crate) const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// More changed paths than this are invalidated with one `/*`: CloudFront bills each path,
/// and a wildcard counts as one.
pub(crate) const MAX_INVALIDATION_PATHS: usize = 15;

/// A file of the built site, as it is to be stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LocalFile {
    /// The object key: the path inside the site folder, with `/` separators.
    pub(crate) key: String,
    pub(crate) bytes: Vec<u8>,
    /// SHA-256 of `bytes`, in hex.
    pub(crate) digest: String,
    pub(crate) content_type: String,
    pub(crate) cache_control: &'static str,
}

impl LocalFile {
    pub(crate) fn new(key: &str, bytes: Vec<u8>) -> Self {
        let digest = hex(&Sha256::digest(&bytes));
        // Only our own fingerprints are trusted for a year. Pagefind names its chunks by a hash
        // too, but by under 28 bits of it: over many deploys a new chunk can take an old
        // chunk's name, and a reader's cache would then keep the old one. They revalidate,
        // which costs a 304 when unchanged.
        let cache_control = if carries_digest(key, &digest) { IMMUTABLE } else { REVALIDATE };
        Self { key: key.to_string(), content_type: content_type(key), cache_control, digest, bytes }
    }

    pub(crate) fn size(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Pages go up last, after everything they may load; so does a search bundle's entry
    /// file, which names the bundle's other files.
    pub(crate) fn is_page(&self) -> bool {
        self.key.ends_with(".html") || self.key.ends_with("/pagefind-entry.json")
    }
}

/// An object as the bucket's listing shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Listed {
    pub(crate) key: String,
    pub(crate) size: u64,
}

/// What the bucket says about one object when asked (`HeadObject`).
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Stored {
    /// The digest a deploy wrote into the object's metadata; none for objects put there by
    /// other means.
    pub(crate) digest: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) cache_control: Option<String>,
}

/// Why a file is uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reason {
    /// The bucket has no object by that key.
    New,
    /// The bytes differ.
    Changed,
    /// Same bytes, but served with other headers than this version of the generator sets.
    Headers,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::New => "new",
            Reason::Changed => "changed",
            Reason::Headers => "new headers",
        })
    }
}

/// The changes that bring the bucket to the built site.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// Indexes into the local files, with why; pages last.
    pub(crate) uploads: Vec<(usize, Reason)>,
    /// Keys of objects that are no longer part of the site.
    pub(crate) deletes: Vec<String>,
    pub(crate) unchanged: usize,
}

/// The listed objects that must be asked about before deciding: those whose size equals the
/// built file's (a different size is a change, no need to ask).
pub(crate) fn to_inspect(local: &[LocalFile], listed: &[Listed]) -> Vec<String> {
    let sizes: HashMap<&str, u64> = listed.iter().map(|object| (object.key.as_str(), object.size)).collect();
    local
        .iter()
        .filter(|file| sizes.get(file.key.as_str()) == Some(&file.size()))
        .map(|file| file.key.clone())
        .collect()
}

/// Compares the built files with the bucket: `stored` holds what [`to_inspect`] asked about.
pub(crate) fn plan(local: &[LocalFile], listed: &[Listed], stored: &HashMap<String, Stored>) -> Plan {
    let listed_keys: BTreeSet<&str> = listed.iter().map(|object| object.key.as_str()).collect();
    let mut plan = Plan::default();
    for (index, file) in local.iter().enumerate() {
        let reason = if !listed_keys.contains(file.key.as_str()) {
            Some(Reason::New)
        } else {
            match stored.get(&file.key) {
                None => Some(Reason::Changed),
                Some(stored) if stored.digest.as_deref() != Some(file.digest.as_str()) => Some(Reason::Changed),
                Some(stored)
                    if stored.content_type.as_deref() != Some(file.content_type.as_str())
                        || stored.cache_control.as_deref() != Some(file.cache_control) =>
                {
                    Some(Reason::Headers)
                }
                Some(_) => None,
            }
        };
        match reason {
            Some(reason) => plan.uploads.push((index, reason)),
            None => plan.unchanged += 1,
        }
    }
    // Upload indices are positions in `local`, pushed by the loop above.
    #[allow(clippy::indexing_slicing)]
    plan.uploads.sort_by_key(|&(index, _)| (local[index].is_page(), local[index].key.clone()));
    let local_keys: BTreeSet<&str> = local.iter().map(|file| file.key.as_str()).collect();
    plan.deletes = listed_keys.difference(&local_keys).map(|key| key.to_string()).collect();
    plan
}

impl Plan {
    pub(crate) fn is_empty(&self) -> bool {
        self.uploads.is_empty() && self.deletes.is_empty()
    }

    /// Refuses more deletions than `max` unless forced: a deploy of the wrong folder (or of
    /// half a build) must not empty the bucket.
    pub(crate) fn check_deletes(&self, max: usize, force: bool) -> Result<(), String> {
        if self.deletes.len() > max && !force {
            let count = self.deletes.len();
            let objects = if count == 1 { "object" } else { "objects" };
            return Err(format!(
                "refusing to delete {count} {objects}, more than --max-deletes {max}: check that the folder holds the \
                 whole site, then pass --force to delete them"
            ));
        }
        Ok(())
    }
}

/// The CDN paths to invalidate after these keys changed: each object's own path, and for an
/// `index.html` the directory URL readers use (`/ky/x/`); one `/*` when there are too many.
pub(crate) fn invalidation_paths<'a>(changed: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut paths = BTreeSet::new();
    for key in changed {
        if key == "index.html" {
            paths.insert("/".to_string());
        } else if let Some(dir) = key.strip_suffix("/index.html") {
            paths.insert(format!("/{}/", url_path(dir)));
        }
        paths.insert(format!("/{}", url_path(key)));
    }
    if paths.len() > MAX_INVALIDATION_PATHS {
        return vec!["/*".to_string()];
    }
    paths.into_iter().collect()
}

/// A key as CloudFront wants it in an invalidation: characters outside the unreserved set
/// (other than `/`) percent-encoded.
fn url_path(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(key: &str, bytes: &str) -> LocalFile {
        LocalFile::new(key, bytes.as_bytes().to_vec())
    }

    fn listed(file: &LocalFile) -> Listed {
        Listed { key: file.key.clone(), size: file.size() }
    }

    fn stored(file: &LocalFile) -> Stored {
        Stored {
            digest: Some(file.digest.clone()),
            content_type: Some(file.content_type.clone()),
            cache_control: Some(file.cache_control.to_string()),
        }
    }

    #[test]
    fn only_names_that_carry_their_digest_are_cached_for_a_year() {
        let css = b"body { color: #111 }".to_vec();
        let name = crate::fingerprint::fingerprinted_path("style.css", &css).unwrap();
        assert_eq!(LocalFile::new(&name, css.clone()).cache_control, IMMUTABLE);
        assert_eq!(LocalFile::new("style.css", css).cache_control, REVALIDATE);
        assert_eq!(LocalFile::new("style.3f2a9c1b.css", b"other".to_vec()).cache_control, REVALIDATE);
        assert_eq!(local("ky/index.html", "<p>").cache_control, REVALIDATE);
    }

    #[test]
    fn search_chunks_revalidate_and_their_entry_goes_up_with_the_pages() {
        for key in [
            "ky/pagefind/index/unknown_5e1d2a.pf_index",
            "ru/pagefind/fragment/ru_0a9b8c7.pf_fragment",
            "ru/pagefind/pagefind.ru_44e1f0.pf_meta",
            "ky/pagefind/pagefind.js",
        ] {
            assert_eq!(local(key, "x").cache_control, REVALIDATE, "{key}");
            assert!(!local(key, "x").is_page(), "{key}");
        }
        assert!(local("ru/pagefind/pagefind-entry.json", "{}").is_page());
    }

    #[test]
    fn an_unchanged_build_plans_nothing() {
        let files = vec![local("ky/index.html", "<p>a"), local("sitemap.xml", "<urlset/>")];
        let listing: Vec<Listed> = files.iter().map(listed).collect();
        let heads = files.iter().map(|file| (file.key.clone(), stored(file))).collect();
        assert_eq!(to_inspect(&files, &listing), vec!["ky/index.html", "sitemap.xml"]);
        let plan = plan(&files, &listing, &heads);
        assert!(plan.is_empty());
        assert_eq!(plan.unchanged, 2);
    }

    #[test]
    fn changes_are_found_by_digest_and_headers_and_pages_go_last() {
        let old = local("ky/index.html", "<p>a");
        let files = vec![
            local("ky/index.html", "<p>b"),
            local("ky/calendar.ics", "BEGIN"),
            local("ru/index.html", "<p>r"),
            local("new.json", "{}"),
        ];
        let listing =
            vec![listed(&old), listed(&files[1]), listed(&files[2]), Listed { key: "gone.html".into(), size: 3 }];
        // Same size, other bytes: only the digest tells.
        assert_eq!(to_inspect(&files, &listing), vec!["ky/index.html", "ky/calendar.ics", "ru/index.html"]);
        let mut heads: HashMap<String, Stored> = HashMap::new();
        heads.insert("ky/index.html".into(), stored(&old));
        heads.insert(
            "ky/calendar.ics".into(),
            Stored { content_type: Some("text/calendar".into()), ..stored(&files[1]) },
        );
        heads.insert("ru/index.html".into(), stored(&files[2]));
        let plan = plan(&files, &listing, &heads);
        let uploads: Vec<(&str, Reason)> =
            plan.uploads.iter().map(|&(i, reason)| (files[i].key.as_str(), reason)).collect();
        assert_eq!(
            uploads,
            vec![("ky/calendar.ics", Reason::Headers), ("new.json", Reason::New), ("ky/index.html", Reason::Changed)]
        );
        assert_eq!(plan.deletes, vec!["gone.html"]);
        assert_eq!(plan.unchanged, 1);
    }

    #[test]
    fn an_object_without_our_digest_is_uploaded_again() {
        let files = vec![local("robots.txt", "User-agent: *")];
        let listing = vec![listed(&files[0])];
        let heads = HashMap::from([("robots.txt".to_string(), Stored::default())]);
        assert_eq!(plan(&files, &listing, &heads).uploads, vec![(0, Reason::Changed)]);
    }

    #[test]
    fn too_many_deletions_need_force() {
        let plan = Plan { deletes: (0..3).map(|n| format!("{n}.html")).collect(), ..Plan::default() };
        assert!(plan.check_deletes(3, false).is_ok());
        let refused = plan.check_deletes(2, false).unwrap_err();
        assert!(refused.starts_with("refusing to delete 3 objects, more than --max-deletes 2"), "{refused}");
        assert!(plan.check_deletes(2, true).is_ok());
    }

    #[test]
    fn invalidations_name_pages_by_their_urls_too() {
        assert_eq!(
            invalidation_paths(["ky/x/index.html", "index.html", "style.3f2a9c1b.css", "ky/ы.html"]),
            vec!["/", "/index.html", "/ky/%D1%8B.html", "/ky/x/", "/ky/x/index.html", "/style.3f2a9c1b.css"]
        );
        let many: Vec<String> = (0..16).map(|n| format!("r/{n}.json")).collect();
        assert_eq!(invalidation_paths(many.iter().map(String::as_str)), vec!["/*"]);
        let fifteen: Vec<String> = (0..15).map(|n| format!("r/{n}.json")).collect();
        assert_eq!(invalidation_paths(fifteen.iter().map(String::as_str)).len(), 15);
    }
}
