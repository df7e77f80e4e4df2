//! Files of the built site, in memory until they are all known to be good.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use anyhow::{bail, Context as _};

pub(crate) struct Output {
    /// Path inside the output folder, with `/` separators: `ky/etaptar/index.html`.
    pub(crate) path: String,
    pub(crate) bytes: Vec<u8>,
}

impl Output {
    /// A page at a site URL ending in `/`.
    pub(crate) fn html(url: &str, html: String) -> Self {
        Self { path: format!("{}index.html", url.trim_start_matches('/')), bytes: html.into_bytes() }
    }

    pub(crate) fn file(path: &str, bytes: Vec<u8>) -> Self {
        Self { path: path.trim_start_matches('/').to_string(), bytes }
    }

    pub(crate) fn is_html(&self) -> bool {
        self.path.ends_with(".html")
    }
}

/// Writes all outputs into a fresh folder next to `dir`, then swaps it in, so that a
/// failed or half-done write never leaves a half-built site being served.
pub(crate) fn write_all(dir: &Path, outputs: &[Output]) -> anyhow::Result<()> {
    let name = dir.file_name().context("the output folder needs a name")?.to_string_lossy().to_string();
    if name == "content" || name == "templates" || dir.join("Cargo.toml").exists() || dir.join("config.toml").exists() {
        bail!("refusing to replace {}: it looks like a source folder, not a build output", dir.display());
    }
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let next = parent.join(format!(".{name}.next"));
    let old = parent.join(format!(".{name}.old"));
    for stale in [&next, &old] {
        if stale.exists() {
            std::fs::remove_dir_all(stale).with_context(|| format!("removing {}", stale.display()))?;
        }
    }
    // Folders first, then files, both in parallel: on slow disks each create costs more
    // than the bytes written.
    let folders: std::collections::BTreeSet<PathBuf> =
        outputs.iter().filter_map(|output| next.join(&output.path).parent().map(Path::to_path_buf)).collect();
    folders.par_iter().try_for_each(|folder| {
        std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))
    })?;
    outputs.par_iter().try_for_each(|output| {
        let path = next.join(&output.path);
        std::fs::write(&path, &output.bytes).with_context(|| format!("writing {}", path.display()))
    })?;
    if dir.exists() {
        std::fs::rename(dir, &old).with_context(|| format!("moving {} aside", dir.display()))?;
    }
    std::fs::rename(&next, dir).with_context(|| format!("moving the new site into {}", dir.display()))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).with_context(|| format!("removing {}", old.display()))?;
    }
    Ok(())
}
