//! Helpers shared by the generator's integration tests.
#![allow(dead_code, unreachable_pub)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use generator::BuildOptions;
use walkdir::WalkDir;

pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The frozen copy of `content/` (`tests/fixtures/site/content` at the repository's root),
/// which editors never change: tests of what the generator does read it, so that rewording a
/// sentence, moving a date or adding a line to `content/` cannot break them.
pub fn frozen_content() -> PathBuf {
    repo().join("tests/fixtures/site/content")
}

/// The real `content/`, for the tests that lint what editors write.
pub fn real_content() -> PathBuf {
    repo().join("content")
}

pub fn at(moment: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(moment).unwrap()
}

/// A 2×1 PNG of one colour: a real picture, which the build decodes and publishes.
pub fn png(colour: [u8; 3]) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::from_pixel(2, 1, image::Rgb(colour))
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

/// Copies every file below `from` into `to`, keeping relative paths.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A built site in a temporary folder, read back file by file.
pub struct Built {
    _root: tempfile::TempDir,
    pub output: PathBuf,
}

impl Built {
    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.output.join(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
    }

    pub fn exists(&self, path: &str) -> bool {
        self.output.join(path).exists()
    }

    /// The file that `page`'s `<link rel="{rel}">` points at, as a path in the output folder:
    /// `style.3f2a9c1b.css` for the stylesheet.
    pub fn linked(&self, page: &str, rel: &str) -> String {
        let html = self.read(page);
        let tag = html
            .split("<link ")
            .map(|tag| tag.split('>').next().unwrap())
            .find(|tag| tag.contains(&format!("rel=\"{rel}\"")))
            .unwrap_or_else(|| panic!("{page} has no <link rel=\"{rel}\">"));
        let href = tag.split("href=\"").nth(1).unwrap().split('"').next().unwrap();
        href.strip_prefix('/').unwrap_or_else(|| panic!("{page}: {href} is not a path on the site")).to_string()
    }

    /// Paths of every built HTML file, relative to the output folder.
    pub fn html_files(&self) -> Vec<String> {
        let mut files: Vec<String> = WalkDir::new(&self.output)
            .into_iter()
            .map(|entry| entry.unwrap())
            .filter(|entry| entry.path().extension().is_some_and(|ext| ext == "html"))
            .map(|entry| entry.path().strip_prefix(&self.output).unwrap().to_string_lossy().to_string())
            .collect();
        files.sort();
        files
    }
}

pub fn options(content: &Path, output: &Path, moment: &str) -> BuildOptions {
    BuildOptions {
        content_dir: content.to_path_buf(),
        templates_dir: repo().join("templates"),
        output_dir: output.to_path_buf(),
        now: at(moment),
        pinned: true,
        drafts: false,
        cache_dir: None,
    }
}

/// Builds `content` with the real templates as of `moment`.
pub fn build(content: &Path, moment: &str) -> Built {
    let root = tempfile::tempdir().unwrap();
    let output = root.path().join("public");
    generator::build(&options(content, &output, moment)).unwrap_or_else(|err| panic!("{err}"));
    Built { _root: root, output }
}

/// Builds `content` with the templates in `templates` as of `moment`.
pub fn build_with_templates(content: &Path, templates: &Path, moment: &str) -> Built {
    let root = tempfile::tempdir().unwrap();
    let output = root.path().join("public");
    let options = BuildOptions { templates_dir: templates.to_path_buf(), ..options(content, &output, moment) };
    generator::build(&options).unwrap_or_else(|err| panic!("{err}"));
    Built { _root: root, output }
}

/// Builds the project's own site, as editors left it: for content lints only.
pub fn build_real_site(moment: &str) -> Built {
    build(&real_content(), moment)
}

/// Builds the frozen copy of the site as of `moment`: for tests of behaviour.
pub fn build_frozen_site(moment: &str) -> Built {
    build(&frozen_content(), moment)
}

/// `generator serve` on `content` with the real templates, as of `at`, on `port`, writing
/// into `root` (its builds and its store); output streams are left to the caller.
pub fn serve_command(content: &Path, root: &Path, port: u16, at: &str) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_generator"));
    command
        .args(["serve", "--port", &port.to_string(), "--at", at, "--content"])
        .arg(content)
        .arg("--templates")
        .arg(repo().join("templates"))
        .arg("--output")
        .arg(root.join("public"))
        .arg("--store")
        .arg(root.join("applications.sqlite"));
    command
}
