//! `generator deploy` of a whole site (the frozen copy of the content) to a real
//! S3-compatible server on loopback: moto's, from the venv that tests/setup.sh makes
//! (`tests/.tools/venv`). It also answers CloudFront, so the invalidations the deploy asks
//! for can be read back.

mod common;

use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_cloudfront::types::{
    DefaultCacheBehavior, DistributionConfig, Origin, Origins, S3OriginConfig, ViewerProtocolPolicy,
};
use aws_sdk_s3::config::{Credentials, Region};

use common::{build_frozen_site, repo};

const DURING_INTAKE: &str = "2020-12-01T12:00:00+06:00";
const BUCKET: &str = "mektep-site";
const REVALIDATE: &str = "public, max-age=0, must-revalidate";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// moto's server on a free loopback port, stopped when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Moto {
    /// `None` (after saying why) only when moto is not installed and this is not CI.
    fn start() -> Option<Moto> {
        let server = repo().join("tests/.tools/venv/bin/moto_server");
        if !server.exists() {
            let why = format!("{} is missing: run `bash tests/setup.sh`", server.display());
            assert!(std::env::var_os("CI").is_none(), "{why}");
            // Straight to stderr, past the test harness's capture, so that a skip is seen.
            let _ = writeln!(std::io::stderr(), "SKIPPED the deploy test: {why}");
            return None;
        }
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("starting {}: {err}", server.display()));
        let moto = Moto { child, url: format!("http://127.0.0.1:{port}") };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "moto did not listen on {port} within a minute");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// Runs `generator deploy` with these arguments, in the standard AWS environment
    /// pointing at this server and at nothing of the machine's own.
    fn deploy(&self, site: &Path, args: &[&str]) -> Deployed {
        let nowhere = site.with_file_name("no-aws-config");
        let output = Command::new(env!("CARGO_BIN_EXE_generator"))
            .arg("deploy")
            .args(["--bucket", BUCKET, "--output"])
            .arg(site)
            .args(args)
            .env("AWS_ENDPOINT_URL", &self.url)
            .env("AWS_ENDPOINT_URL_S3", &self.url)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_CONFIG_FILE", &nowhere)
            .env("AWS_SHARED_CREDENTIALS_FILE", &nowhere)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_SESSION_TOKEN")
            .output()
            .unwrap();
        Deployed::from(output)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one run of `generator deploy` printed.
struct Deployed {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl From<Output> for Deployed {
    fn from(output: Output) -> Self {
        Deployed {
            ok: output.status.success(),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

impl Deployed {
    fn succeeded(self) -> Self {
        assert!(self.ok, "deploy failed:\n{}\n{}", self.stdout, self.stderr);
        self
    }

    /// The summary, the last line printed.
    fn summary(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }

    /// The number before `what` in the summary: `count("uploaded")` of "3 uploaded (…), …".
    fn count(&self, what: &str) -> usize {
        let summary = self.summary();
        let before = summary.split(&format!(" {what}")).next().unwrap();
        let number = before.rsplit(|c: char| !c.is_ascii_digit()).next().unwrap();
        number.parse().unwrap_or_else(|_| panic!("no count of {what} in {summary:?}"))
    }

    /// `(uploaded, deleted, unchanged)`.
    fn counts(&self) -> (usize, usize, usize) {
        (self.count("uploaded"), self.count("deleted"), self.count("unchanged"))
    }

    /// The id of the invalidation it started: "invalidated … (invalidation ID)".
    fn invalidation(&self) -> String {
        let line = self.stdout.lines().find(|line| line.starts_with("invalidated ")).expect("an invalidation");
        line.rsplit("(invalidation ").next().unwrap().trim_end_matches(')').to_string()
    }
}

/// Clients of the same server, to set it up and read back what the deploy did.
struct Aws {
    runtime: tokio::runtime::Runtime,
    s3: aws_sdk_s3::Client,
    cloudfront: aws_sdk_cloudfront::Client,
}

impl Aws {
    fn new(url: &str) -> Self {
        let credentials = Credentials::new("testing", "testing", None, None, "tests");
        let s3 = aws_sdk_s3::config::Builder::new()
            .behavior_version_latest()
            .region(Region::new("us-east-1"))
            .endpoint_url(url)
            .force_path_style(true)
            .credentials_provider(credentials.clone())
            .build();
        let cloudfront = aws_sdk_cloudfront::config::Builder::new()
            .behavior_version_latest()
            .region(aws_sdk_cloudfront::config::Region::new("us-east-1"))
            .endpoint_url(url)
            .credentials_provider(credentials)
            .build();
        Aws {
            runtime: tokio::runtime::Runtime::new().unwrap(),
            s3: aws_sdk_s3::Client::from_conf(s3),
            cloudfront: aws_sdk_cloudfront::Client::from_conf(cloudfront),
        }
    }

    fn create_bucket(&self) {
        self.runtime.block_on(self.s3.create_bucket().bucket(BUCKET).send()).unwrap();
    }

    /// A distribution in front of the bucket, as CloudFront would have it; its id.
    fn create_distribution(&self) -> String {
        let origin = Origin::builder()
            .id("site")
            .domain_name(format!("{BUCKET}.s3.us-east-1.amazonaws.com"))
            .s3_origin_config(S3OriginConfig::builder().origin_access_identity("").build())
            .build()
            .unwrap();
        let config = DistributionConfig::builder()
            .caller_reference("deploy-test")
            .comment("the site")
            .enabled(true)
            .origins(Origins::builder().quantity(1).items(origin).build().unwrap())
            .default_cache_behavior(
                DefaultCacheBehavior::builder()
                    .target_origin_id("site")
                    .viewer_protocol_policy(ViewerProtocolPolicy::RedirectToHttps)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        let created =
            self.runtime.block_on(self.cloudfront.create_distribution().distribution_config(config).send()).unwrap();
        created.distribution().unwrap().id().to_string()
    }

    fn invalidated_paths(&self, distribution: &str, id: &str) -> Vec<String> {
        let found = self
            .runtime
            .block_on(self.cloudfront.get_invalidation().distribution_id(distribution).id(id).send())
            .unwrap();
        let mut paths = found.invalidation().unwrap().invalidation_batch().unwrap().paths().unwrap().items().to_vec();
        paths.sort();
        paths
    }

    /// `(Content-Type, Cache-Control)` of an object.
    fn headers(&self, key: &str) -> (String, String) {
        let head = self
            .runtime
            .block_on(self.s3.head_object().bucket(BUCKET).key(key).send())
            .unwrap_or_else(|err| panic!("{key}: {}", aws_sdk_s3::error::DisplayErrorContext(&err)));
        (head.content_type().unwrap_or("").to_string(), head.cache_control().unwrap_or("").to_string())
    }

    fn body(&self, key: &str) -> Vec<u8> {
        self.runtime.block_on(async {
            let object = self.s3.get_object().bucket(BUCKET).key(key).send().await.unwrap();
            object.body.collect().await.unwrap().into_bytes().to_vec()
        })
    }

    fn keys(&self) -> Vec<String> {
        self.runtime.block_on(async {
            let mut keys = Vec::new();
            let mut pages = self.s3.list_objects_v2().bucket(BUCKET).into_paginator().send();
            while let Some(page) = pages.next().await {
                keys.extend(page.unwrap().contents().iter().filter_map(|object| object.key().map(str::to_string)));
            }
            keys.sort();
            keys
        })
    }
}

fn files_below(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| entry.into_path())
        .collect()
}

#[test]
fn the_site_goes_up_once_then_only_what_changed() {
    let Some(moto) = Moto::start() else { return };
    let aws = Aws::new(&moto.url);
    aws.create_bucket();
    let distribution = aws.create_distribution();
    let site = build_frozen_site(DURING_INTAKE);
    let files = files_below(&site.output).len();

    // The first deploy uploads everything, each kind of file with its headers.
    let first = moto.deploy(&site.output, &["--distribution", &distribution]).succeeded();
    println!("first deploy of the site: {}", first.summary());
    assert_eq!(first.counts(), (files, 0, 0), "{}", first.stdout);
    assert_eq!(aws.keys().len(), files);
    let stylesheet = site.linked("ky/index.html", "stylesheet");
    for (key, content_type, cache_control) in [
        ("ky/index.html", "text/html; charset=utf-8", REVALIDATE),
        ("ky/calendar.ics", "text/calendar; charset=utf-8", REVALIDATE),
        ("ky/otchettor/atom.xml", "application/atom+xml; charset=utf-8", REVALIDATE),
        ("sitemap.xml", "application/xml; charset=utf-8", REVALIDATE),
        ("ky/pagefind/pagefind-entry.json", "application/json", REVALIDATE),
        (stylesheet.as_str(), "text/css; charset=utf-8", IMMUTABLE),
    ] {
        assert_eq!(aws.headers(key), (content_type.to_string(), cache_control.to_string()), "{key}");
    }
    assert_eq!(aws.body("ky/index.html"), std::fs::read(site.output.join("ky/index.html")).unwrap());
    assert_eq!(aws.invalidated_paths(&distribution, &first.invalidation()), vec!["/*"], "many paths: one wildcard");

    // The same build again writes nothing, and says so.
    let second = moto.deploy(&site.output, &["--distribution", &distribution]).succeeded();
    println!("second deploy of the site: {}", second.summary());
    assert_eq!(second.counts(), (0, 0, files));
    assert!(second.summary().starts_with("nothing changed"), "{}", second.stdout);
    assert!(!second.stdout.contains("invalidated"), "nothing to invalidate");

    // One page changes: a dry run shows it and changes nothing; then exactly it goes up,
    // and exactly its paths are invalidated.
    let page = site.output.join("ky/etaptar/iii/index.html");
    let before = std::fs::read(&page).unwrap();
    std::fs::write(&page, [before.as_slice(), b"<!-- corrected -->\n"].concat()).unwrap();
    let dry = moto.deploy(&site.output, &["--distribution", &distribution, "--dry-run"]).succeeded();
    assert!(dry.summary().starts_with("dry run: 1 to upload"), "{}", dry.stdout);
    assert!(dry.stdout.contains("  upload ky/etaptar/iii/index.html (changed, "), "{}", dry.stdout);
    assert!(dry.stdout.contains("  invalidate /ky/etaptar/iii/ /ky/etaptar/iii/index.html\n"), "{}", dry.stdout);
    assert_eq!(aws.body("ky/etaptar/iii/index.html"), before, "a dry run uploads nothing");
    let changed = moto.deploy(&site.output, &["--distribution", &distribution]).succeeded();
    assert_eq!(changed.counts(), (1, 0, files - 1), "{}", changed.stdout);
    assert_eq!(aws.body("ky/etaptar/iii/index.html"), std::fs::read(&page).unwrap());
    assert_eq!(
        aws.invalidated_paths(&distribution, &changed.invalidation()),
        vec!["/ky/etaptar/iii/", "/ky/etaptar/iii/index.html"]
    );

    // One page is gone: more deletions than the cap are refused, whole; --force lifts it.
    std::fs::remove_file(site.output.join("ru/etapy/ix/index.html")).unwrap();
    let refused = moto.deploy(&site.output, &["--max-deletes", "0"]);
    assert!(!refused.ok);
    assert!(refused.stderr.contains("refusing to delete 1 object, more than --max-deletes 0"), "{}", refused.stderr);
    assert_eq!(aws.keys().len(), files, "nothing deleted");
    let dry = moto.deploy(&site.output, &["--dry-run", "--force", "--max-deletes", "0"]).succeeded();
    assert!(dry.stdout.contains("  delete ru/etapy/ix/index.html\n"), "{}", dry.stdout);
    assert_eq!(aws.keys().len(), files, "a dry run deletes nothing");
    let deleted = moto.deploy(&site.output, &["--max-deletes", "0", "--force"]).succeeded();
    assert_eq!(deleted.counts(), (0, 1, files - 1), "{}", deleted.stdout);
    assert!(!aws.keys().contains(&"ru/etapy/ix/index.html".to_string()));
    assert_eq!(aws.keys().len(), files - 1);
}

#[test]
fn an_error_names_the_object_or_bucket_and_the_aws_error() {
    let Some(moto) = Moto::start() else { return };
    let site = build_frozen_site(DURING_INTAKE);
    // No bucket was created.
    let failed = moto.deploy(&site.output, &[]);
    assert!(!failed.ok);
    assert!(
        failed.stderr.starts_with(&format!("error: listing s3://{BUCKET}: ")) && failed.stderr.contains("NoSuchBucket"),
        "{}",
        failed.stderr
    );
    let empty = tempfile::tempdir().unwrap();
    let refused = moto.deploy(empty.path(), &[]);
    assert!(refused.stderr.contains("has no index.html: build the site first"), "{}", refused.stderr);
}
