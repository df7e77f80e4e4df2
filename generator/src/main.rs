use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, Local, NaiveDate};
use clap::{Parser, Subcommand};
use generator::{
    build, check, load_catalogue, new_report, serve, BuildError, BuildOptions, Catalogue, IntakeLimit, Message,
    NewReport, ServeOptions,
};

/// A build makes and frees millions of small strings on every core (templates, links, the
/// search index). With mimalloc the 20,000-page benchmark took about 10 % less time and 9 %
/// less peak memory than with the system allocator, in alternating runs here.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay`: its place in mimalloc's `mi_option_e`, the same in its versions 2
/// and 3. The crate names the option after it, but not this one.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const _: () = assert!(PURGE_DELAY + 1 == libmimalloc_sys::mi_option_use_numa_nodes);

/// Memory a build frees goes back to the system at once, not a second later (mimalloc's
/// default), and in pages of 4 KB, not of 2 MB: mimalloc asks Linux for transparent huge
/// pages, which a few live strings keep whole. Pagefind frees and allocates hundreds of
/// megabytes within that second as it builds a language's index, each thread in memory of
/// its own. At 10,000 reports per language the peak was about 690 MB instead of 800–840 MB,
/// in the same time within the noise of alternating runs here.
#[allow(unsafe_code)]
fn free_memory_at_once() {
    // SAFETY: `mi_option_set` only stores the value; it is not thread safe, and this runs
    // first in `main`, before the program starts any thread. `prctl(PR_SET_THP_DISABLE)`
    // only sets a flag of this process (which a child would inherit; the generator starts
    // none), and takes its arguments as `unsigned long`, the last three zero. Where it
    // fails (a kernel before 3.15), memory is as it was without it.
    unsafe {
        libmimalloc_sys::mi_option_set(PURGE_DELAY, 0);
        #[cfg(target_os = "linux")]
        let _ = libc::prctl(
            libc::PR_SET_THP_DISABLE,
            1 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        );
    }
}

/// Builds the School of Future Local Council Deputies site from content/ and templates/.
#[derive(Parser)]
#[command(version)]
#[cfg_attr(
    not(feature = "deploy"),
    command(after_help = "The upload to S3, `deploy`, is in a build with the deploy feature: \
                          cargo run --release -p generator --features deploy -- deploy --help")
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder.
    Build(Common),
    /// Build, serve on 127.0.0.1 and rebuild whenever content or templates change.
    Serve {
        #[command(flatten)]
        common: Common,
        #[arg(long, default_value_t = 8000)]
        port: u16,
        /// The embedded store the form's applications are kept in.
        #[arg(long, default_value = ".mektep/applications.sqlite")]
        store: PathBuf,
        /// How often one client address may call the intake: REQUESTS/PERIOD, the period in
        /// whole seconds, minutes or hours (300/5m, 20/60s, 1000/1h), or `off`. Past it the
        /// client is answered 429; production's firewall has a rule of the same shape on /api/*.
        #[arg(long, value_name = "REQUESTS/PERIOD", default_value = IntakeLimit::DEFAULT)]
        intake_limit: IntakeLimit,
    },
    /// Report every problem in content and templates at once; write nothing.
    Check(Common),
    /// Upload the built site to S3: only what changed, then delete what is gone and
    /// invalidate the changed paths on CloudFront.
    #[cfg(feature = "deploy")]
    Deploy(Deploy),
    /// Not in this build, which leaves out the AWS SDK: build with `--features deploy`.
    // Hidden, and there so that `deploy` is answered with how to get it, not as a typo.
    #[cfg(not(feature = "deploy"))]
    #[command(hide = true, disable_help_flag = true)]
    Deploy {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Print the Content-Security-Policy header the site must be served with.
    Csp(Common),
    /// Start a new page from a filled-in template.
    #[command(subcommand)]
    New(New),
}

#[derive(Subcommand)]
enum New {
    /// A report in every language, as a draft: `new report --stage III --title "…"`.
    Report {
        /// The stage it is about: I … IX.
        #[arg(long)]
        stage: String,
        #[arg(long)]
        title: String,
        /// Comma-separated: --tags "Мектеп, Тренинг".
        #[arg(long, default_value = "")]
        tags: String,
        /// The publication day (YYYY-MM-DD); today if not given.
        #[arg(long)]
        date: Option<NaiveDate>,
        /// Write only this language's file; the report is then in that language only.
        #[arg(long)]
        only: Option<String>,
        #[arg(long, default_value = "reports")]
        section: String,
        #[arg(long, default_value = "content")]
        content: PathBuf,
        /// The language of the messages: ky or ru (default: the site's first language).
        #[arg(long)]
        lang: Option<String>,
    },
}

/// The AWS environment applies: credentials from the usual chain, AWS_REGION, and
/// AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 for an S3-compatible server.
#[cfg(feature = "deploy")]
#[derive(clap::Args)]
struct Deploy {
    /// The bucket the site is served from.
    #[arg(long)]
    bucket: String,
    /// The CloudFront distribution in front of it, to invalidate what changed.
    #[arg(long)]
    distribution: Option<String>,
    /// Print what would change, and change nothing.
    #[arg(long)]
    dry_run: bool,
    /// The built site.
    #[arg(long, default_value = "public")]
    output: PathBuf,
    /// Refuse to delete more objects than this: a wrong folder must not empty the bucket.
    #[arg(long, default_value_t = 256)]
    max_deletes: usize,
    /// Delete however many objects are gone from the build.
    #[arg(long)]
    force: bool,
}

#[derive(clap::Args)]
struct Common {
    /// Show the site as of this moment (RFC 3339), e.g. 2020-12-01T12:00:00+06:00.
    #[arg(long, value_parser = parse_moment)]
    at: Option<DateTime<FixedOffset>>,
    #[arg(long, default_value = "content")]
    content: PathBuf,
    #[arg(long, default_value = "templates")]
    templates: PathBuf,
    #[arg(long, default_value = "public")]
    output: PathBuf,
    /// Where encoded photos are kept, so that each is encoded once.
    #[arg(long, default_value = ".mektep/cache")]
    cache: PathBuf,
    /// The language of the messages: ky or ru (default: the site's first language, in
    /// content/config.toml).
    #[arg(long)]
    lang: Option<String>,
}

impl Common {
    fn options(&self) -> BuildOptions {
        BuildOptions {
            content_dir: self.content.clone(),
            templates_dir: self.templates.clone(),
            output_dir: self.output.clone(),
            now: self.at.unwrap_or_else(|| Local::now().fixed_offset()),
            pinned: self.at.is_some(),
            drafts: false,
            cache_dir: Some(self.cache.clone()),
        }
    }
}

fn parse_moment(text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text).map_err(|err| format!("{err}: write a moment like 2020-12-01T12:00:00+06:00"))
}

/// The messages' catalogue of `content` in `lang`; what is wrong with it is printed in
/// English, and the command then stops.
fn catalogue(content: &std::path::Path, lang: Option<&str>) -> Result<Catalogue, ExitCode> {
    load_catalogue(content, lang).map_err(|errors| {
        errors.iter().for_each(|error| eprintln!("error: {error}"));
        ExitCode::FAILURE
    })
}

fn main() -> ExitCode {
    free_memory_at_once();
    let cli = Cli::parse();
    match &cli.command {
        Command::Build(common) => with_messages(common, |messages| {
            let report = build(&common.options())?;
            report.warnings.iter().for_each(|warning| eprintln!("{}", messages.warning(warning)));
            println!(
                "built {} pages ({} files) into {} in {} ms",
                report.pages,
                report.files,
                common.output.display(),
                report.elapsed.as_millis()
            );
            Ok(())
        }),
        // Drafts are checked too: they are what editors are working on.
        Command::Check(common) => with_messages(common, |messages| {
            let report = check(&BuildOptions { drafts: true, ..common.options() })?;
            report.warnings.iter().for_each(|warning| eprintln!("{}", messages.warning(warning)));
            println!("{}", messages.text(&Message::NoProblems { pages: report.pages.to_string() }));
            Ok(())
        }),
        Command::Csp(common) => with_messages(common, |_| {
            println!("{}", check(&common.options())?.content_security_policy);
            Ok(())
        }),
        #[cfg(feature = "deploy")]
        Command::Deploy(args) => {
            let options = generator::DeployOptions {
                bucket: args.bucket.clone(),
                distribution: args.distribution.clone(),
                site_dir: args.output.clone(),
                dry_run: args.dry_run,
                max_deletes: args.max_deletes,
                force: args.force,
            };
            match generator::deploy(&options) {
                Ok(summary) => {
                    println!("{summary}");
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("error: {err:#}");
                    ExitCode::FAILURE
                }
            }
        }
        #[cfg(not(feature = "deploy"))]
        Command::Deploy { .. } => {
            eprintln!(
                "error: this generator was built without the deploy feature: \
                 cargo run --release -p generator --features deploy -- deploy …"
            );
            ExitCode::from(2)
        }
        Command::New(New::Report { stage, title, tags, date, only, section, content, lang }) => {
            let messages = match catalogue(content, lang.as_deref()) {
                Ok(messages) => messages,
                Err(code) => return code,
            };
            let report = NewReport {
                stage: stage.clone(),
                title: title.clone(),
                tags: tags.split(',').map(str::trim).filter(|tag| !tag.is_empty()).map(str::to_string).collect(),
                date: date.unwrap_or_else(|| Local::now().date_naive()),
                section: section.clone(),
                only: only.clone(),
            };
            match new_report(content, &report) {
                Ok(files) => {
                    for file in files {
                        println!("{}", messages.text(&Message::ReportCreated { file: file.display().to_string() }));
                    }
                    println!("{}", messages.text(&Message::ReportIsADraft {}));
                    ExitCode::SUCCESS
                }
                Err(problems) => {
                    problems.0.iter().for_each(|problem| eprintln!("{}", messages.error(problem)));
                    ExitCode::FAILURE
                }
            }
        }
        Command::Serve { common, port, store, intake_limit } => {
            // Loaded here to stop at once on a broken catalogue; each rebuild loads it again.
            if let Err(code) = catalogue(&common.content, common.lang.as_deref()) {
                return code;
            }
            let options = ServeOptions {
                build: common.options(),
                port: *port,
                fixed_clock: common.at.is_some(),
                store: store.clone(),
                lang: common.lang.clone(),
                intake_limit: *intake_limit,
            };
            match serve(options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("error: {err:#}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

/// Runs `command` with the messages' catalogue of `common`'s content, and prints what stopped
/// it in the catalogue's language.
fn with_messages(common: &Common, command: impl FnOnce(&Catalogue) -> Result<(), BuildError>) -> ExitCode {
    let messages = match catalogue(&common.content, common.lang.as_deref()) {
        Ok(messages) => messages,
        Err(code) => return code,
    };
    match command(&messages) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{}", err.in_language(&messages));
            ExitCode::FAILURE
        }
    }
}
