//! A build writes into `.public.next` beside the output folder, which holds the site of the
//! build before last: it writes over those files and removes the ones it did not make. What
//! it swaps in must be exactly what a build into an empty folder makes, and nothing outside
//! the folder may change, whatever an earlier build or someone else left there.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// Every file (path → bytes) and folder below `root`.
fn tree(root: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<String>) {
    let mut files = BTreeMap::new();
    let mut folders = Vec::new();
    for entry in WalkDir::new(root).min_depth(1) {
        let entry = entry.unwrap();
        let path = entry.path().strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        if entry.file_type().is_dir() {
            folders.push(path);
        } else {
            files.insert(path, std::fs::read(entry.path()).unwrap());
        }
    }
    folders.sort();
    (files, folders)
}

fn assert_same_site(built: &Path, fresh: &Path) {
    let (built_files, built_folders) = tree(built);
    let (fresh_files, fresh_folders) = tree(fresh);
    let extra: Vec<_> = built_files.keys().filter(|path| !fresh_files.contains_key(*path)).collect();
    let missing: Vec<_> = fresh_files.keys().filter(|path| !built_files.contains_key(*path)).collect();
    assert!(extra.is_empty() && missing.is_empty(), "left over: {extra:?}; missing: {missing:?}");
    let differ: Vec<_> =
        fresh_files.iter().filter(|(path, bytes)| built_files[*path] != **bytes).map(|(p, _)| p).collect();
    assert!(differ.is_empty(), "differ from a fresh build: {differ:?}");
    assert_eq!(built_folders, fresh_folders, "folders");
}

const AT: &str = "2020-12-01T12:00:00+06:00";

/// A copy of the frozen content in a temporary folder, to be built into its `public`.
struct Copy {
    root: tempfile::TempDir,
    content: PathBuf,
    output: PathBuf,
    options: generator::BuildOptions,
}

fn copy_of_the_site() -> Copy {
    let root = tempfile::tempdir().unwrap();
    let content = root.path().join("content");
    common::copy_tree(&common::frozen_content(), &content);
    let output = root.path().join("public");
    let options = common::options(&content, &output, AT);
    Copy { root, content, output, options }
}

impl Copy {
    /// Built twice: `.public.next` holds the first build, kept to be written over.
    fn built_twice() -> Self {
        let copy = copy_of_the_site();
        generator::build(&copy.options).unwrap();
        generator::build(&copy.options).unwrap();
        copy
    }

    fn remove_report(&self, name: &str) {
        for lang in ["ky", "ru"] {
            std::fs::remove_file(self.content.join(format!("reports/{name}.{lang}.md"))).unwrap();
        }
    }

    /// The output is what a build of the same content into an empty folder makes.
    fn assert_same_as_a_fresh_build(&self) {
        let fresh = self.root.path().join("fresh");
        generator::build(&common::options(&self.content, &fresh, AT)).unwrap();
        assert_same_site(&self.output, &fresh);
    }
}

#[test]
fn a_build_over_an_earlier_site_makes_exactly_what_a_fresh_build_makes() {
    let copy = copy_of_the_site();
    let (root, content, output, options) = (&copy.root, &copy.content, &copy.output, &copy.options);
    let next = root.path().join(".public.next");
    generator::build(options).unwrap();
    assert!(!next.exists(), "the first build has no earlier site to keep");
    generator::build(options).unwrap();
    assert_eq!(tree(&next), tree(&output), "the site before is kept to be written over");

    // The content changes: a report goes, one is renamed, one is edited.
    copy.remove_report("mentoring-calendar");
    let reports = content.join("reports");
    for lang in ["ky", "ru"] {
        std::fs::rename(
            reports.join(format!("call-for-applications.{lang}.md")),
            reports.join(format!("call-for-applications-2.{lang}.md")),
        )
        .unwrap();
        let edited = reports.join(format!("how-applications-are-scored.{lang}.md"));
        let text = std::fs::read_to_string(&edited).unwrap();
        std::fs::write(&edited, format!("{text}\nКошумча сап.\n")).unwrap();
    }
    // And the kept site holds what a careless hand or a hostile one could put there.
    let outside = root.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("victim.txt"), "not the site's").unwrap();
    std::fs::remove_file(next.join("ky/index.html")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.join("victim.txt"), next.join("ky/index.html")).unwrap();
        std::fs::remove_dir_all(next.join("ru/otchety")).unwrap();
        std::os::unix::fs::symlink(&outside, next.join("ru/otchety")).unwrap();
    }
    std::fs::write(next.join("robots.txt"), "User-agent: *\nDisallow: /\n").unwrap();
    std::fs::hard_link(next.join("robots.txt"), outside.join("robots-copy.txt")).unwrap();
    std::fs::remove_file(next.join("sitemap.xml")).unwrap();
    std::fs::create_dir_all(next.join("sitemap.xml/inside")).unwrap();
    std::fs::write(next.join("sitemap.xml/inside/file.txt"), "a folder where a file goes").unwrap();
    std::fs::remove_dir_all(next.join("ky/otchettor")).unwrap();
    std::fs::write(next.join("ky/otchettor"), "a file where a folder goes").unwrap();
    std::fs::create_dir_all(next.join("empty/folders")).unwrap();
    std::fs::create_dir_all(next.join("stale/deep/er")).unwrap();
    std::fs::write(next.join("stale/deep/er/page.html"), "from a build long ago").unwrap();

    generator::build(options).unwrap();

    copy.assert_same_as_a_fresh_build();
    assert_eq!(std::fs::read_to_string(outside.join("victim.txt")).unwrap(), "not the site's");
    let copy = std::fs::read_to_string(outside.join("robots-copy.txt")).unwrap();
    assert_eq!(copy, "User-agent: *\nDisallow: /\n", "a hard-linked copy");
    assert_eq!(tree(&outside).0.len(), 2, "nothing was written outside: {:?}", tree(&outside).0.keys());
}

#[test]
fn a_failed_build_over_an_earlier_site_leaves_the_next_one_exact() {
    let copy = Copy::built_twice();
    let before = tree(&copy.output);

    // A broken link stops the build after every page was written into the kept folder.
    let edited = copy.content.join("reports/how-applications-are-scored.ky.md");
    let good = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, format!("{good}\n[Жок бет](/ky/no-such-page/)\n")).unwrap();
    let err = generator::build(&copy.options).unwrap_err().to_string();
    assert!(err.contains("/ky/no-such-page/"), "{err}");
    assert_eq!(tree(&copy.output), before, "the site served is untouched");

    std::fs::write(&edited, format!("{good}\nОңдолду.\n")).unwrap();
    copy.remove_report("mentoring-calendar");
    generator::build(&copy.options).unwrap();
    copy.assert_same_as_a_fresh_build();
}

#[test]
fn a_build_stopped_between_its_renames_is_put_right_by_the_next() {
    let copy = Copy::built_twice();
    // Stopped after moving the output aside, before moving the new site in: nothing is
    // served until the next build, which must start from what is there.
    let old = copy.root.path().join(".public.old");
    std::fs::rename(&copy.output, &old).unwrap();
    copy.remove_report("mentoring-calendar");
    generator::build(&copy.options).unwrap();
    assert!(!old.exists());
    copy.assert_same_as_a_fresh_build();
}

#[cfg(unix)]
#[test]
fn a_second_build_into_the_same_folder_at_once_is_refused() {
    let copy = Copy::built_twice();
    let before = tree(&copy.output);
    // What a build running now holds.
    let running = std::fs::File::open(copy.root.path().join(".public.next")).unwrap();
    running.try_lock().unwrap();
    let err = generator::build(&copy.options).unwrap_err().to_string();
    assert!(err.contains("another build is writing into") && err.contains("public"), "{err}");
    assert_eq!(tree(&copy.output), before);
    drop(running);
    generator::build(&copy.options).unwrap();
}

/// Each file below `root` (path → its inode), to tell a file linked or kept from one written.
#[cfg(unix)]
fn inodes(root: &Path) -> BTreeMap<String, u64> {
    use std::os::unix::fs::MetadataExt as _;
    WalkDir::new(root)
        .min_depth(1)
        .into_iter()
        .map(Result::unwrap)
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let path = entry.path().strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            (path, entry.metadata().unwrap().ino())
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn a_later_build_writes_what_changed_only_and_never_into_the_site_served() {
    let copy = copy_of_the_site();
    let cache = copy.root.path().join("cache");
    let options = generator::BuildOptions { cache_dir: Some(cache.clone()), ..copy.options.clone() };
    let next = copy.root.path().join(".public.next");
    generator::build(&options).unwrap();
    let first = inodes(&copy.output);
    generator::build(&options).unwrap();
    // The second build made the same site: every file of it is the first build's file,
    // linked, not written again.
    assert_eq!(inodes(&copy.output), first, "every file of the second build is the first's");
    copy.assert_same_as_a_fresh_build();

    // One Kyrgyz report changes: its page, its listings and its feed change; the rest of the
    // site does not. The search index of Russian is taken from the cache, not made again.
    let bundles = cache.join("search");
    let russian_bundle = std::fs::metadata(bundles.join("ru-0.bundle")).unwrap().modified().unwrap();
    let kyrgyz_bundle = std::fs::read(bundles.join("ky-0.bundle")).unwrap();
    let edited = copy.content.join("reports/how-applications-are-scored.ky.md");
    let text = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, format!("{text}\nЖаңы сап: тууроолук.\n")).unwrap();
    let served = tree(&copy.output);
    let served_inodes = inodes(&copy.output);
    generator::build(&options).unwrap();

    copy.assert_same_as_a_fresh_build();
    assert_eq!(tree(&next), served, "the site that was served is kept as it was, not written into");
    let now = inodes(&copy.output);
    let (kept, written): (Vec<&String>, Vec<&String>) =
        now.keys().partition(|path| served_inodes.get(*path) == now.get(*path));
    let report = written.iter().find(|path| path.starts_with("ky/") && path.contains("/otchettor/"));
    assert!(report.is_some(), "the edited report's page is written: {written:?}");
    assert!(written.iter().all(|path| !path.starts_with("ru/")), "Russian files written: {written:?}");
    assert!(kept.len() > written.len() * 3, "{} kept, {} written: {written:?}", kept.len(), written.len());
    assert_eq!(std::fs::metadata(bundles.join("ru-0.bundle")).unwrap().modified().unwrap(), russian_bundle);
    assert_ne!(std::fs::read(bundles.join("ky-0.bundle")).unwrap(), kyrgyz_bundle);

    // A link planted in the served site, to a file outside holding the very bytes a build
    // makes, is not taken into the next site: the file is written anew.
    let outside = copy.root.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let robots = std::fs::read(copy.output.join("robots.txt")).unwrap();
    std::fs::write(outside.join("robots.txt"), &robots).unwrap();
    std::fs::remove_file(copy.output.join("robots.txt")).unwrap();
    std::os::unix::fs::symlink(outside.join("robots.txt"), copy.output.join("robots.txt")).unwrap();
    std::fs::remove_file(next.join("robots.txt")).unwrap();
    generator::build(&options).unwrap();
    let built = std::fs::symlink_metadata(copy.output.join("robots.txt")).unwrap();
    assert!(built.is_file(), "robots.txt is a file of the site, not a link");
    assert_eq!(std::os::unix::fs::MetadataExt::nlink(&built), 1);
    assert_eq!(std::fs::read(outside.join("robots.txt")).unwrap(), robots);

    // A kept bundle that is damaged is made again, not published.
    std::fs::write(bundles.join("ru-0.bundle"), b"mektep search bundle 1\nnot the key\n").unwrap();
    std::fs::write(&edited, format!("{text}\nДагы бир сап.\n")).unwrap();
    generator::build(&options).unwrap();
    copy.assert_same_as_a_fresh_build();
}
