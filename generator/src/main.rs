use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, FixedOffset, Local};
use clap::{Parser, Subcommand};
use generator::{build, check, serve, BuildOptions, ServeOptions};

/// Builds the School of Future Local Council Deputies site from content/ and templates/.
#[derive(Parser)]
#[command(version)]
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
    },
    /// Report every problem in content and templates at once; write nothing.
    Check(Common),
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
}

impl Common {
    fn options(&self) -> BuildOptions {
        BuildOptions {
            content_dir: self.content.clone(),
            templates_dir: self.templates.clone(),
            output_dir: self.output.clone(),
            now: self.at.unwrap_or_else(|| Local::now().fixed_offset()),
            pinned: self.at.is_some(),
        }
    }
}

fn parse_moment(text: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(text)
        .map_err(|err| format!("{err}: write a moment like 2020-12-01T12:00:00+06:00"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Build(common) => build(&common.options()).map(|report| {
            println!(
                "built {} pages ({} files) into {} in {} ms",
                report.pages,
                report.files,
                common.output.display(),
                report.elapsed.as_millis()
            );
        }),
        Command::Check(common) => check(&common.options()).map(|report| {
            println!("no problems: {} pages would be built", report.pages);
        }),
        Command::Serve {
            common,
            port,
            store,
        } => {
            let options = ServeOptions {
                build: common.options(),
                port: *port,
                fixed_clock: common.at.is_some(),
                store: store.clone(),
            };
            return match serve(options) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("error: {err:#}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
