//! The generator built without the `deploy` feature (the default, which leaves out the AWS
//! SDK) tells whoever asks it to deploy how to build one that does. `cargo test -p generator`
//! runs this; the test command's `--all-features` runs tests/deploy.rs instead.
#![cfg(not(feature = "deploy"))]

use std::process::Command;

#[test]
fn deploy_in_a_build_without_it_says_how_to_get_it() {
    let run = Command::new(env!("CARGO_BIN_EXE_generator")).args(["deploy", "--bucket", "site"]).output().unwrap();
    assert_eq!(run.status.code(), Some(2), "a usage error, as clap's own");
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(stderr.contains("built without the deploy feature"), "{stderr}");
    assert!(stderr.contains("cargo run --release -p generator --features deploy -- deploy"), "{stderr}");

    let help = Command::new(env!("CARGO_BIN_EXE_generator")).arg("--help").output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    assert!(!help.contains("  deploy "), "not listed as a command it has:\n{help}");
    assert!(help.contains("--features deploy"), "{help}");
}
