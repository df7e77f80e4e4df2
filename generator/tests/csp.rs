//! The Content-Security-Policy the build computes lets every page of a whole site (the frozen
//! copy of the content) work: each inline script is allowed by its hash, nothing else inline
//! is, and `generator csp` prints the same policy for the CDN and the front door.

mod common;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use common::{build_frozen_site, frozen_content, options, repo};

const DURING_INTAKE: &str = "2020-12-01T12:00:00+06:00";

fn policy() -> String {
    let output = tempfile::tempdir().unwrap();
    let report = generator::check(&options(&frozen_content(), &output.path().join("public"), DURING_INTAKE))
        .unwrap_or_else(|err| panic!("{err}"));
    report.content_security_policy
}

/// The text of each `<script>` on a page that the browser runs (no `src`, not a JSON block).
fn inline_scripts(html: &str) -> Vec<&str> {
    html.split("<script")
        .skip(1)
        .filter_map(|rest| {
            let (tag, rest) = rest.split_once('>').unwrap();
            let runs = !tag.contains(" src=") && !tag.contains("type=\"application/json\"");
            runs.then(|| rest.split("</script>").next().unwrap())
        })
        .collect()
}

#[test]
fn every_inline_script_of_every_page_is_allowed_by_its_hash() {
    let policy = policy();
    let site = build_frozen_site(DURING_INTAKE);
    let mut hashes = std::collections::BTreeSet::new();
    for page in site.html_files() {
        let html = site.read(&page);
        for script in inline_scripts(&html) {
            let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()));
            assert!(policy.contains(&format!("'sha256-{hash}'")), "{page}: a script the policy blocks");
            hashes.insert(hash);
        }
        assert!(!html.contains(" style=\"") && !html.contains("<style"), "{page}: an inline style the policy blocks");
    }
    assert_eq!(hashes.len(), 2, "the form's script and the search's, the same in every language");
    assert_eq!(policy.matches("'sha256-").count(), hashes.len(), "no hash of a script that is not there");
}

#[test]
fn the_policy_allows_the_site_itself_and_nothing_inline_but_its_scripts() {
    let policy = policy();
    let directives: Vec<&str> = policy.split("; ").collect();
    assert_eq!(directives[0], "default-src 'self'");
    assert!(directives[1].starts_with("script-src 'self' 'wasm-unsafe-eval' 'sha256-"), "{policy}");
    assert_eq!(
        directives[2..],
        [
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    );
    // The search's WebAssembly is the one exception, and it allows no `eval` of JavaScript.
    assert!(!policy.replace("'wasm-unsafe-eval'", "").contains("unsafe"), "{policy}");
    // CloudFront takes at most 1783 characters for a response headers policy's CSP.
    assert!(policy.len() < 1783, "{} characters", policy.len());
}

#[test]
fn generator_csp_prints_the_policy() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_generator"))
        .current_dir(repo())
        .args(["csp", "--at", DURING_INTAKE, "--content"])
        .arg(frozen_content())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8(output.stdout).unwrap(), format!("{}\n", policy()));
}
