use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use threatconnect::Indicator;
use triage::extract::Extractor;
use triage::lookup::rows;
use triage::stix::bundle;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> (Vec<Indicator>, String) {
    let text = std::fs::read_to_string(root().join("tests/fixtures/triage/copies.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let inds =
        v["indicators"].as_array().unwrap().iter().enumerate().map(|(i, x)| Indicator::read(x, &format!("indicators[{i}]"), "").unwrap()).collect();
    (inds, v["exportedAt"].as_str().unwrap().to_owned())
}

/// Runs the validator on `files`: its report, as an error when it finds an error.
fn validate(files: &[PathBuf]) -> Option<Result<String, String>> {
    let bin = root().join("target/stix-venv/bin/stix2_validator");
    if !bin.exists() {
        pivot_testing::skip("target/stix-venv has no stix2_validator: run scripts/setup.sh stix");
        return None;
    }
    let out = Command::new(bin).args(["--version", "2.1", "--enforce-refs"]).args(files).output().unwrap();
    let report = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    // The validator marks errors `[X]` and exits non-zero; warnings (`[!]`) are best practice.
    Some(if out.status.success() && !report.contains("[X]") { Ok(report) } else { Err(report) })
}

#[test]
fn the_validator_finds_no_error_in_the_bundles_the_export_writes() {
    let (inds, at) = fixture();
    // The whole fixture; the three owners' copies of one host (the comparison's export); and a
    // triage table: a paste looked up against the fixture, every known row's copies.
    let compared: Vec<Indicator> = inds.iter().filter(|i| i.summary == "tango7.alpha-cdn.example").cloned().collect();
    assert_eq!(compared.len(), 3);
    let paste = "C2 at tango7[.]alpha-cdn[.]example and 198.51.100[.]161; also hxxp://oscar45[.]example/tango/index.php?id=45&q='x'\n\
                 Hashtag: #bravo1\nASN64525, 10.12.0.0/16, unknown.example";
    let mut with_hashtag: Vec<threatconnect::IndicatorTypeDef> = Vec::new();
    for (name, branch) in
        [("Host", "hosts"), ("Address", "addresses"), ("URL", "urls"), ("ASN", "asns"), ("CIDR", "cidrBlocks"), ("Hashtag", "hashtags")]
    {
        with_hashtag.push(threatconnect::IndicatorTypeDef::read(&serde_json::json!({"name": name, "apiBranch": branch}), "t", "t").unwrap());
    }
    let x = Extractor::new(&with_hashtag).extract(paste);
    let table = rows(&x.values, &inds);
    assert_eq!(table.iter().filter(|r| r.known()).count(), 6, "{table:#?}");
    let selection: Vec<Indicator> = table.iter().flat_map(|r| r.copies.clone()).collect();

    let dir = std::env::temp_dir().join(format!("pivot-stix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for (name, items) in [("all", &inds), ("compared", &compared), ("table", &selection)] {
        let b = bundle(items, &at);
        assert!(b.omitted.is_empty(), "{:?}", b.omitted);
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(&b.json).unwrap()).unwrap();
        files.push(path);
    }
    let result = validate(&files);
    if std::env::var_os("PIVOT_KEEP_STIX").is_none() {
        std::fs::remove_dir_all(&dir).ok();
    }
    match result {
        Some(Err(report)) => panic!("stix2-validator reports errors:\n{report}"),
        // Custom objects and properties defined as STIX 2.1 prefers (an extension definition,
        // section 7.3): the validator's extensions-use check (401) has nothing to say.
        Some(Ok(report)) => assert!(!report.contains("{401}"), "stix2-validator asks for extension definitions:\n{report}"),
        None => {}
    }
}
