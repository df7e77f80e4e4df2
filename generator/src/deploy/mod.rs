//! `generator deploy`: puts a built site into an S3 bucket the way `hugo deploy` does. Only
//! what changed goes up, found by content digest; objects gone from the build are deleted
//! after every upload succeeded, within a cap; the changed paths are invalidated on
//! CloudFront. [`plan`] decides without any IO; [`s3`] and [`cloudfront`] talk to AWS behind
//! the [`Bucket`] and [`Cdn`] traits, so that [`run`] is tested on a bucket in memory.

mod cloudfront;
mod plan;
mod s3;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use indicatif::{HumanBytes, ProgressBar, ProgressStyle};
use tokio::task::JoinSet;
use walkdir::WalkDir;

use plan::{invalidation_paths, Listed, LocalFile, Plan, Stored};

/// How many requests are in flight at once.
const PARALLEL: usize = 8;
/// Uploads of more files than this show a progress bar (on a terminal).
const PROGRESS_FROM: usize = 20;
/// A plan this long or shorter is printed file by file; `--dry-run` prints it whole.
const LIST_UP_TO: usize = 20;

/// Where the built site is and where it goes.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    pub bucket: String,
    /// The CloudFront distribution in front of the bucket, to invalidate what changed.
    pub distribution: Option<String>,
    /// The built site (`public`).
    pub site_dir: PathBuf,
    /// Print the plan and change nothing.
    pub dry_run: bool,
    /// More deletions than this are refused unless `force`.
    pub max_deletes: usize,
    pub force: bool,
}

/// What a deploy did (or, for a dry run, would do).
#[derive(Debug, Clone, Default)]
pub struct DeploySummary {
    pub uploaded: usize,
    pub deleted: usize,
    pub unchanged: usize,
    /// Bytes uploaded.
    pub bytes: u64,
    /// The paths sent to CloudFront for invalidation.
    pub invalidated: Vec<String>,
    pub elapsed: Duration,
    pub dry_run: bool,
}

impl fmt::Display for DeploySummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.elapsed.as_secs_f64();
        if self.dry_run {
            write!(
                f,
                "dry run: {} to upload ({}), {} to delete, {} unchanged; nothing was changed",
                self.uploaded,
                HumanBytes(self.bytes),
                self.deleted,
                self.unchanged
            )
        } else if self.uploaded == 0 && self.deleted == 0 {
            write!(f, "nothing changed: 0 uploaded, 0 deleted, {} unchanged in {seconds:.2} s", self.unchanged)
        } else {
            write!(
                f,
                "{} uploaded ({}), {} deleted, {} unchanged in {seconds:.2} s",
                self.uploaded,
                HumanBytes(self.bytes),
                self.deleted,
                self.unchanged
            )
        }
    }
}

/// The objects of one bucket.
pub(crate) trait Bucket: Send + Sync + 'static {
    /// `s3://name`, for messages.
    fn url(&self) -> String;
    /// Every object's key and size.
    fn list(&self) -> impl Future<Output = anyhow::Result<Vec<Listed>>> + Send;
    /// The digest and headers an object is stored with.
    fn head(&self, key: &str) -> impl Future<Output = anyhow::Result<Stored>> + Send;
    fn put(&self, file: &LocalFile) -> impl Future<Output = anyhow::Result<()>> + Send;
    fn delete(&self, keys: &[String]) -> impl Future<Output = anyhow::Result<()>> + Send;
}

/// The CDN in front of the bucket.
pub(crate) trait Cdn {
    /// Starts an invalidation of `paths` and gives its id.
    fn invalidate(&self, paths: &[String]) -> impl Future<Output = anyhow::Result<String>> + Send;
}

/// Deploys `options.site_dir` to S3 with the standard AWS environment: the credential
/// chain, `AWS_REGION`, and `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_S3` for another server.
/// Prints the plan (file by file when short) and the invalidation; returns the summary.
pub fn deploy(options: &DeployOptions) -> anyhow::Result<DeploySummary> {
    let files = read_site(&options.site_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        if config.region().is_none() {
            bail!("no AWS region is configured: set AWS_REGION (for example eu-central-1)");
        }
        let bucket = Arc::new(s3::S3Bucket::new(&config, &options.bucket));
        let cdn = options.distribution.as_deref().map(|id| cloudfront::Distribution::new(&config, id));
        run(options, files, bucket, cdn.as_ref(), &mut std::io::stdout()).await
    })
}

/// Every file below `dir` as it is to be stored, sorted by key.
fn read_site(dir: &Path) -> anyhow::Result<Vec<LocalFile>> {
    if !dir.join("index.html").is_file() {
        bail!("{} has no index.html: build the site first (`generator build --output {0}`)", dir.display());
    }
    let mut files = Vec::new();
    for entry in WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let key = entry.path().strip_prefix(dir).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/");
        let bytes = std::fs::read(entry.path()).with_context(|| format!("reading {}", entry.path().display()))?;
        files.push(LocalFile::new(&key, bytes));
    }
    Ok(files)
}

/// Brings the bucket to `files`: asks what it holds, plans, refuses too many deletions,
/// uploads (everything pages load first, then pages), deletes, and invalidates.
// The plan's indices are positions in `files`, from which the plan was made.
#[allow(clippy::indexing_slicing)]
pub(crate) async fn run<B: Bucket, C: Cdn>(
    options: &DeployOptions,
    files: Vec<LocalFile>,
    bucket: Arc<B>,
    cdn: Option<&C>,
    out: &mut impl Write,
) -> anyhow::Result<DeploySummary> {
    let started = Instant::now();
    let listed = bucket.list().await?;
    let heads = in_parallel(
        plan::to_inspect(&files, &listed),
        |key| {
            let bucket = Arc::clone(&bucket);
            async move {
                let stored = bucket.head(&key).await;
                (key, stored)
            }
        },
        || {},
    )
    .await;
    let mut stored = HashMap::new();
    for (key, head) in heads {
        stored.insert(key, head?);
    }
    let plan = plan::plan(&files, &listed, &stored);
    let changed =
        plan.uploads.iter().map(|&(index, _)| files[index].key.as_str()).chain(plan.deletes.iter().map(String::as_str));
    let paths = if cdn.is_some() { invalidation_paths(changed) } else { Vec::new() };
    print_plan(out, &bucket.url(), &plan, &files, &paths, options.dry_run)?;
    plan.check_deletes(options.max_deletes, options.force).map_err(anyhow::Error::msg)?;

    let mut summary = DeploySummary {
        uploaded: plan.uploads.len(),
        deleted: plan.deletes.len(),
        unchanged: plan.unchanged,
        bytes: plan.uploads.iter().map(|&(index, _)| files[index].size()).sum(),
        dry_run: options.dry_run,
        ..DeploySummary::default()
    };
    if options.dry_run || plan.is_empty() {
        summary.elapsed = started.elapsed();
        return Ok(summary);
    }

    let progress = if plan.uploads.len() > PROGRESS_FROM {
        let bar = ProgressBar::new(plan.uploads.len() as u64);
        if let Ok(style) = ProgressStyle::with_template("uploading {bar:30} {pos}/{len} files, {elapsed}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let files: Vec<Arc<LocalFile>> = files.into_iter().map(Arc::new).collect();
    let (assets, pages): (Vec<usize>, Vec<usize>) =
        plan.uploads.iter().map(|&(index, _)| index).partition(|&index| !files[index].is_page());
    let mut uploaded = Vec::new();
    let mut failures = Vec::new();
    for wave in [assets, pages] {
        if !failures.is_empty() {
            break;
        }
        let results = in_parallel(
            wave,
            |index| {
                let (bucket, file) = (Arc::clone(&bucket), Arc::clone(&files[index]));
                async move {
                    let result = bucket.put(&file).await;
                    (file, result)
                }
            },
            || progress.inc(1),
        )
        .await;
        for (file, result) in results {
            match result {
                Ok(()) => uploaded.push(file.key.clone()),
                Err(err) => failures.push(format!("{err:#}")),
            }
        }
    }
    progress.finish_and_clear();

    if !failures.is_empty() {
        // What did go up is live in the bucket; the CDN should show the same.
        if let Some(cdn) = cdn {
            if !uploaded.is_empty() {
                let paths = invalidation_paths(uploaded.iter().map(String::as_str));
                if let Ok(id) = cdn.invalidate(&paths).await {
                    writeln!(out, "invalidated what was uploaded: {} (invalidation {id})", paths.join(" "))?;
                }
            }
        }
        failures.sort();
        bail!(
            "{} of {} uploads failed, so nothing was deleted:\n{}",
            failures.len(),
            plan.uploads.len(),
            failures.join("\n")
        );
    }
    if !plan.deletes.is_empty() {
        bucket.delete(&plan.deletes).await?;
    }
    if let Some(cdn) = cdn {
        if !paths.is_empty() {
            let id = cdn.invalidate(&paths).await?;
            writeln!(out, "invalidated {} (invalidation {id})", paths.join(" "))?;
            summary.invalidated = paths;
        }
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

// The plan's indices are positions in `files`, from which the plan was made.
#[allow(clippy::indexing_slicing)]
fn print_plan(
    out: &mut impl Write,
    url: &str,
    plan: &Plan,
    files: &[LocalFile],
    paths: &[String],
    dry_run: bool,
) -> std::io::Result<()> {
    if plan.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "{url}: {} to upload, {} to delete, {} unchanged",
        plan.uploads.len(),
        plan.deletes.len(),
        plan.unchanged
    )?;
    if !dry_run && plan.uploads.len() + plan.deletes.len() > LIST_UP_TO {
        return Ok(());
    }
    for &(index, reason) in &plan.uploads {
        let file = &files[index];
        writeln!(
            out,
            "  upload {} ({reason}, {}; {}; {})",
            file.key,
            HumanBytes(file.size()),
            file.content_type,
            file.cache_control
        )?;
    }
    for key in &plan.deletes {
        writeln!(out, "  delete {key}")?;
    }
    if dry_run && !paths.is_empty() {
        writeln!(out, "  invalidate {}", paths.join(" "))?;
    }
    Ok(())
}

/// Runs `task` on every item, at most [`PARALLEL`] at once, calling `done` as each ends;
/// results come in the order they end.
async fn in_parallel<T, R, Fut>(items: Vec<T>, task: impl Fn(T) -> Fut, done: impl Fn()) -> Vec<R>
where
    Fut: Future<Output = R> + Send + 'static,
    R: Send + 'static,
{
    let mut items = items.into_iter();
    let mut running = JoinSet::new();
    let mut results = Vec::new();
    loop {
        while running.len() < PARALLEL {
            let Some(item) = items.next() else { break };
            running.spawn(task(item));
        }
        let Some(joined) = running.join_next().await else { break };
        done();
        match joined {
            Ok(result) => results.push(result),
            Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
            Err(err) => panic!("a deploy task was cancelled: {err}"),
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A bucket in memory that records every write and can be told to refuse one key.
    #[derive(Default)]
    struct MemoryBucket {
        objects: Mutex<HashMap<String, (u64, Stored)>>,
        writes: Mutex<Vec<String>>,
        refuse: Option<String>,
    }

    impl Bucket for MemoryBucket {
        fn url(&self) -> String {
            "s3://memory".to_string()
        }

        async fn list(&self) -> anyhow::Result<Vec<Listed>> {
            let objects = self.objects.lock().unwrap();
            Ok(objects.iter().map(|(key, (size, _))| Listed { key: key.clone(), size: *size }).collect())
        }

        async fn head(&self, key: &str) -> anyhow::Result<Stored> {
            Ok(self.objects.lock().unwrap()[key].1.clone())
        }

        async fn put(&self, file: &LocalFile) -> anyhow::Result<()> {
            if self.refuse.as_deref() == Some(file.key.as_str()) {
                bail!("uploading {}: AccessDenied", file.key);
            }
            let stored = Stored {
                digest: Some(file.digest.clone()),
                content_type: Some(file.content_type.clone()),
                cache_control: Some(file.cache_control.to_string()),
            };
            self.objects.lock().unwrap().insert(file.key.clone(), (file.size(), stored));
            self.writes.lock().unwrap().push(format!("put {}", file.key));
            Ok(())
        }

        async fn delete(&self, keys: &[String]) -> anyhow::Result<()> {
            for key in keys {
                self.objects.lock().unwrap().remove(key);
                self.writes.lock().unwrap().push(format!("delete {key}"));
            }
            Ok(())
        }
    }

    #[derive(Default)]
    struct RecordingCdn {
        invalidations: Mutex<Vec<Vec<String>>>,
    }

    impl Cdn for RecordingCdn {
        async fn invalidate(&self, paths: &[String]) -> anyhow::Result<String> {
            self.invalidations.lock().unwrap().push(paths.to_vec());
            Ok("I1".to_string())
        }
    }

    fn options() -> DeployOptions {
        DeployOptions {
            bucket: "memory".into(),
            distribution: Some("E1".into()),
            site_dir: PathBuf::from("public"),
            dry_run: false,
            max_deletes: 256,
            force: false,
        }
    }

    fn site(pages: &[(&str, &str)]) -> Vec<LocalFile> {
        pages.iter().map(|(key, text)| LocalFile::new(key, text.as_bytes().to_vec())).collect()
    }

    async fn deploy_to(
        bucket: &Arc<MemoryBucket>,
        cdn: &RecordingCdn,
        options: &DeployOptions,
        files: Vec<LocalFile>,
    ) -> anyhow::Result<DeploySummary> {
        run(options, files, Arc::clone(bucket), Some(cdn), &mut Vec::new()).await
    }

    #[tokio::test]
    async fn uploads_pages_after_what_they_load_and_then_writes_nothing() {
        let bucket = Arc::new(MemoryBucket::default());
        let cdn = RecordingCdn::default();
        let files = site(&[("index.html", "<p>"), ("ky/index.html", "<p>ky"), ("sitemap.xml", "<urlset/>")]);
        let first = deploy_to(&bucket, &cdn, &options(), files.clone()).await.unwrap();
        assert_eq!((first.uploaded, first.deleted, first.unchanged), (3, 0, 0));
        let writes = bucket.writes.lock().unwrap().clone();
        assert_eq!(writes[0], "put sitemap.xml", "pages go up last: {writes:?}");

        let second = deploy_to(&bucket, &cdn, &options(), files).await.unwrap();
        assert_eq!((second.uploaded, second.deleted, second.unchanged), (0, 0, 3));
        assert!(second.to_string().starts_with("nothing changed: 0 uploaded, 0 deleted, 3 unchanged"));
        assert_eq!(bucket.writes.lock().unwrap().len(), 3, "the second deploy wrote nothing");
        assert_eq!(cdn.invalidations.lock().unwrap().len(), 1, "and invalidated nothing");
    }

    #[tokio::test]
    async fn deletes_only_after_every_upload_succeeded() {
        let bucket = Arc::new(MemoryBucket::default());
        let cdn = RecordingCdn::default();
        deploy_to(&bucket, &cdn, &options(), site(&[("index.html", "<p>"), ("old/index.html", "<p>old")]))
            .await
            .unwrap();
        let refusing = Arc::new(MemoryBucket {
            objects: Mutex::new(bucket.objects.lock().unwrap().clone()),
            refuse: Some("new.json".into()),
            ..MemoryBucket::default()
        });
        let next = site(&[("index.html", "<p>2"), ("new.json", "{}")]);
        let err = deploy_to(&refusing, &cdn, &options(), next.clone()).await.unwrap_err();
        assert_eq!(err.to_string(), "1 of 2 uploads failed, so nothing was deleted:\nuploading new.json: AccessDenied");
        assert!(refusing.objects.lock().unwrap().contains_key("old/index.html"));
        assert!(refusing.writes.lock().unwrap().is_empty(), "the page waits for what it loads");

        let done = deploy_to(&bucket, &cdn, &options(), next).await.unwrap();
        assert_eq!((done.uploaded, done.deleted), (2, 1));
        assert_eq!(bucket.writes.lock().unwrap().last().unwrap(), "delete old/index.html");
        assert_eq!(
            cdn.invalidations.lock().unwrap().last().unwrap(),
            &["/", "/index.html", "/new.json", "/old/", "/old/index.html"]
        );
    }

    #[tokio::test]
    async fn the_delete_cap_refuses_before_anything_is_written_and_force_lifts_it() {
        let bucket = Arc::new(MemoryBucket::default());
        let cdn = RecordingCdn::default();
        let pages: Vec<(String, String)> = (0..8).map(|n| (format!("{n}/index.html"), format!("<p>{n}"))).collect();
        let mut all = site(&[("index.html", "<p>")]);
        all.extend(pages.iter().map(|(key, text)| LocalFile::new(key, text.as_bytes().to_vec())));
        deploy_to(&bucket, &cdn, &options(), all).await.unwrap();
        let writes = bucket.writes.lock().unwrap().len();

        let capped = DeployOptions { max_deletes: 7, ..options() };
        let only_home = site(&[("index.html", "<p>new")]);
        let err = deploy_to(&bucket, &cdn, &capped, only_home.clone()).await.unwrap_err();
        assert!(err.to_string().starts_with("refusing to delete 8 objects, more than --max-deletes 7"), "{err}");
        assert_eq!(bucket.writes.lock().unwrap().len(), writes, "nothing written");

        let forced = DeployOptions { force: true, ..capped };
        let done = deploy_to(&bucket, &cdn, &forced, only_home).await.unwrap();
        assert_eq!((done.uploaded, done.deleted), (1, 8));
        assert_eq!(done.invalidated, vec!["/*"], "more than fifteen paths: one wildcard");
    }

    #[tokio::test]
    async fn a_dry_run_prints_the_plan_and_changes_nothing() {
        let bucket = Arc::new(MemoryBucket::default());
        let cdn = RecordingCdn::default();
        let dry = DeployOptions { dry_run: true, ..options() };
        let mut printed = Vec::new();
        let files = site(&[("index.html", "<p>")]);
        let summary = run(&dry, files, Arc::clone(&bucket), Some(&cdn), &mut printed).await.unwrap();
        assert_eq!(summary.uploaded, 1);
        assert!(summary.to_string().starts_with("dry run: 1 to upload (3 B), 0 to delete, 0 unchanged"), "{summary}");
        let printed = String::from_utf8(printed).unwrap();
        assert_eq!(
            printed,
            "s3://memory: 1 to upload, 0 to delete, 0 unchanged\n  upload index.html (new, 3 B; text/html; \
             charset=utf-8; public, max-age=0, must-revalidate)\n  invalidate / /index.html\n"
        );
        assert!(bucket.writes.lock().unwrap().is_empty() && cdn.invalidations.lock().unwrap().is_empty());
    }
}
