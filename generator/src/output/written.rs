//! Where outputs go as they are made, and what is kept of them for the checks after
//! rendering: every path, each page's links and ids, and what its inline scripts need of
//! the Content-Security-Policy. The bytes are written (or, for `check`, dropped), not kept.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

use anyhow::Context as _;
use rayon::prelude::*;

use super::next_folder::NextFolder;
use super::write::write_file;
use super::Output;
use crate::links::PageLinks;

/// Where outputs go as they are made: into the fresh folder (`build`) or nowhere (`check`).
/// Shared by the rendering threads.
pub(crate) struct Outputs {
    folder: Option<PathBuf>,
    /// Whether `folder` holds an earlier build's files, written over.
    recycled: bool,
    /// The site being served, the last build's, whose files are linked where they hold
    /// what this build makes.
    live: Option<PathBuf>,
    /// Keep every output's bytes instead of writing them (the preview checks an edit's pages
    /// before it writes any).
    collect: bool,
    batches: AtomicU32,
    state: Mutex<State>,
}

/// Where an output stands among all of them: its batch (one step of the build), then its
/// place in the batch. The checks report in this order, whatever order threads finish in.
pub(crate) type Order = (u32, usize);

#[derive(Default)]
struct State {
    /// Paths whose bytes are kept, to be copied elsewhere later (the root pages).
    keep: HashSet<String>,
    files: HashSet<String>,
    pages: Vec<(Order, PageLinks)>,
    blocked: Vec<(Order, Vec<(String, content_model::Message)>)>,
    /// One page for each distinct policy the pages need: together they need what all do.
    policies: BTreeMap<String, Output>,
    kept: HashMap<String, Vec<u8>>,
    /// The policy of each page with inline scripts, by path; every other page needs only
    /// [`crate::csp::base_policy`].
    scripted: HashMap<String, String>,
    collected: Vec<(Order, Output)>,
    error: Option<anyhow::Error>,
}

/// Everything the checks after rendering need to know about the written site.
pub(crate) struct Written {
    pub(crate) files: HashSet<String>,
    /// Each HTML page's links and ids, in output order.
    pub(crate) pages: Vec<PageLinks>,
    /// What the Content-Security-Policy would block, as (output path, problem), in output order.
    pub(crate) blocked: Vec<(String, content_model::Message)>,
    /// A page of each kind of inline scripts, enough for the site's policy.
    pub(crate) policy_pages: Vec<Output>,
    /// The policy of each page with inline scripts, by path.
    pub(crate) scripted: HashMap<String, String>,
}

impl Outputs {
    /// Outputs written into `next`.
    pub(crate) fn into_folder(next: &NextFolder) -> Self {
        Self {
            recycled: next.recycled(),
            live: next.live().map(std::path::Path::to_path_buf),
            ..Self::new(Some(next.path().to_path_buf()))
        }
    }

    /// Outputs going where these go, kept apart until [`Outputs::take_over`]: a step running
    /// beside others writes through them, and what it wrote joins these when it is done.
    pub(crate) fn beside(&self) -> Self {
        Self {
            recycled: self.recycled,
            live: self.live.clone(),
            collect: self.collect,
            ..Self::new(self.folder.clone())
        }
    }

    /// Takes what `other` wrote (made by [`Outputs::beside`]) as written through these: its
    /// paths, and its first error where these have none.
    pub(crate) fn take_over(&self, other: &Outputs) {
        let written = other.written();
        let error = other.take_error();
        let collected = other.take_collected();
        let batch = self.batch();
        if let Ok(mut state) = self.state.lock() {
            state.files.extend(written.files);
            if state.error.is_none() {
                state.error = error;
            }
            state.collected.extend(collected.into_iter().enumerate().map(|(index, output)| ((batch, index), output)));
        }
    }

    /// Outputs only checked, not written.
    pub(crate) fn checked_only() -> Self {
        Self::new(None)
    }

    /// Outputs kept in memory, for [`Outputs::take_collected`].
    pub(crate) fn collecting() -> Self {
        Self { collect: true, ..Self::new(None) }
    }

    fn new(folder: Option<PathBuf>) -> Self {
        Self {
            folder,
            recycled: false,
            live: None,
            collect: false,
            batches: AtomicU32::new(0),
            state: Mutex::new(State::default()),
        }
    }

    /// What was made, in output order, when made [`Outputs::collecting`].
    pub(crate) fn take_collected(&self) -> Vec<Output> {
        let Ok(mut state) = self.state.lock() else {
            return Vec::new();
        };
        let mut collected = std::mem::take(&mut state.collected);
        collected.sort_by_key(|(order, _)| *order);
        collected.into_iter().map(|(_, output)| output).collect()
    }

    /// Keeps the bytes of the outputs at `path` once written, for [`Outputs::kept`].
    pub(crate) fn keep(&self, path: String) {
        if let Ok(mut state) = self.state.lock() {
            state.keep.insert(path);
        }
    }

    /// A new batch: what is written in it comes after everything of earlier batches.
    pub(crate) fn batch(&self) -> u32 {
        self.batches.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn push(&self, output: Output) {
        self.write((self.batch(), 0), output);
    }

    /// Writes a step's outputs, in parallel.
    pub(crate) fn extend(&self, outputs: impl IntoIterator<Item = Output>) {
        let batch = self.batch();
        let outputs: Vec<Output> = outputs.into_iter().collect();
        outputs.into_par_iter().enumerate().for_each(|(index, output)| self.write((batch, index), output));
    }

    /// Writes one output, and remembers what the checks need of it.
    pub(crate) fn write(&self, order: Order, output: Output) {
        let mut problem = None;
        if let Some(folder) = &self.folder {
            let path = folder.join(&output.path);
            let live = self.live.as_ref().map(|live| live.join(&output.path));
            problem = write_file(folder, &path, &output.bytes, self.recycled, live.as_deref())
                .with_context(|| format!("writing {}", path.display()))
                .err();
        }
        let scanned = output.is_html().then(|| {
            let html = std::str::from_utf8(&output.bytes).unwrap_or("");
            let (policy, blocked) = crate::csp::content_security_policy(std::slice::from_ref(&output));
            (PageLinks::scan(&output.path, html), policy, blocked)
        });
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        let keep = state.keep.contains(&output.path);
        if state.error.is_none() {
            state.error = problem;
        }
        state.files.insert(output.path.clone());
        let mut output = Some(output);
        if let Some((links, policy, blocked)) = scanned {
            state.pages.push((order, links));
            if !blocked.is_empty() {
                state.blocked.push((order, blocked));
            }
            if policy != crate::csp::base_policy() {
                if let Some(output) = &output {
                    state.scripted.insert(output.path.clone(), policy.clone());
                }
            }
            if !state.policies.contains_key(&policy) {
                if let Some(output) = output.take() {
                    if self.collect {
                        state
                            .collected
                            .push((order, Output { path: output.path.clone(), bytes: output.bytes.clone() }));
                    }
                    if keep {
                        state.kept.insert(output.path.clone(), output.bytes.clone());
                    }
                    state.policies.insert(policy, output);
                }
            }
        }
        if let Some(output) = output {
            if keep {
                state.kept.insert(output.path.clone(), output.bytes.clone());
            }
            if self.collect {
                state.collected.push((order, output));
            }
        }
    }

    /// The bytes of an output named when this was made.
    pub(crate) fn kept(&self, path: &str) -> Option<Vec<u8>> {
        self.state.lock().ok().and_then(|state| state.kept.get(path).cloned())
    }

    /// The first file that could not be written, if any.
    pub(crate) fn take_error(&self) -> Option<anyhow::Error> {
        self.state.lock().ok().and_then(|mut state| state.error.take())
    }

    /// What the checks need, in output order.
    pub(crate) fn written(&self) -> Written {
        let Ok(mut state) = self.state.lock() else {
            return Written {
                files: HashSet::new(),
                pages: Vec::new(),
                blocked: Vec::new(),
                policy_pages: Vec::new(),
                scripted: HashMap::new(),
            };
        };
        let mut pages = std::mem::take(&mut state.pages);
        pages.sort_by_key(|(order, _)| *order);
        let mut blocked = std::mem::take(&mut state.blocked);
        blocked.sort_by_key(|(order, _)| *order);
        Written {
            files: std::mem::take(&mut state.files),
            pages: pages.into_iter().map(|(_, links)| links).collect(),
            blocked: blocked.into_iter().flat_map(|(_, blocked)| blocked).collect(),
            policy_pages: std::mem::take(&mut state.policies).into_values().collect(),
            scripted: std::mem::take(&mut state.scripted),
        }
    }
}
