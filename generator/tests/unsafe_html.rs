//! Every probe of issue 23 (raw HTML that got past the old hand-written scanner) is refused
//! at its file and line when the site is built (`fixtures/unsafe-html`: one report, one probe
//! per paragraph). `expected.txt` holds exactly what the build says; run with
//! `MEKTEP_BLESS=1` to write what it says now (then read it before committing).

mod common;

use generator::BuildError;

#[test]
fn every_unsafe_html_probe_is_refused_at_its_line() {
    let root = tempfile::tempdir().unwrap();
    let content = root.path().join("content");
    common::copy_tree(&common::frozen_content(), &content);
    let case = common::fixtures().join("unsafe-html");
    common::copy_tree(&case.join("reports"), &content.join("reports"));
    let output = root.path().join("public");
    let options = common::options(&content, &output, "2021-02-15T12:00:00+06:00");
    let reported: Vec<String> = match generator::build(&options) {
        Err(BuildError::Content(errors)) => errors
            .iter()
            .map(|error| error.to_string().replace(&format!("{}/", content.display()), "content/"))
            .collect(),
        Err(other) => panic!("unexpected failure: {other}"),
        Ok(_) => panic!("the probes built"),
    };
    // Nothing is published, so no page and no feed carries any of it.
    assert!(!output.exists());
    let expected_file = case.join("expected.txt");
    if std::env::var_os("MEKTEP_BLESS").is_some() {
        std::fs::write(&expected_file, reported.join("\n") + "\n").unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&expected_file).unwrap();
    let expected: Vec<&str> = expected.lines().filter(|line| !line.is_empty()).collect();
    assert_eq!(reported, expected);
}
