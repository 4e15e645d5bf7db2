//! Golden vectors of the mixer's protocol, both directions (see
//! `examples/mixer/golden/`):
//! - the bytes Haskell's `store` produced for each named sample (`from-haskell.txt`)
//!   decode here to this side's sample of the same name, and re-encode to exactly the
//!   same bytes;
//! - this side's own vectors (`from-rust.txt`) and schema text (`schema.txt`) match
//!   the committed files, so a change to the wire types cannot land without
//!   regenerating them (`just golden`).
//!
//! With `RS_IN_HS_GOLDEN=write` the `*_is_current` tests write their files instead.

mod golden {
    pub mod samples;
}

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use golden::samples::{self, Sample};
use mixer_engine::protocol::Mixer;
use rs_in_hs::schema::schema;

fn fixtures() -> PathBuf {
    // The Nix check points this at a store copy of examples/mixer/golden.
    std::env::var_os("RS_IN_HS_FIXTURES").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../golden"),
        PathBuf::from,
    )
}

fn writing() -> bool {
    std::env::var("RS_IN_HS_GOLDEN").is_ok_and(|mode| mode == "write")
}

/// Writes `contents` to the fixture in write mode; otherwise checks it is current.
fn current(file: &str, contents: &str) {
    let path = fixtures().join(file);
    if writing() {
        std::fs::write(&path, contents).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        return;
    }
    let committed =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(
        committed == contents,
        "{} is stale: run `just golden` and commit the result\n--- generated now:\n{contents}",
        path.display()
    );
}

/// Parses a vector file: `## name` starts a case, other `#` lines are comments,
/// the remaining lines are hex bytes.
fn parse(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut cases: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("## ") {
            cases.push((name.to_owned(), String::new()));
        } else if !line.starts_with('#') && !line.trim().is_empty() {
            let (_, hex) = cases.last_mut().expect("hex before the first case");
            hex.extend(line.split_whitespace());
        }
    }
    cases
        .into_iter()
        .map(|(name, hex)| {
            let bytes = hex::decode(&hex).unwrap_or_else(|e| panic!("{name}: bad hex: {e}"));
            (name, bytes)
        })
        .collect()
}

/// Renders this side's vectors in the format `parse` reads.
fn render() -> String {
    let mut out = String::from(
        "# Mixer wire golden vectors written by Rust's serde_store\n\
         # (examples/mixer/rs/tests/golden.rs). Do not edit: `just golden` regenerates\n\
         # this file. Each case is `## name`, the value (Rust Debug), then the encoded\n\
         # message (its tag, then its value) in hex, 32 bytes per line.\n",
    );
    for (name, sample) in samples::all() {
        writeln!(out, "\n## {name}\n# {sample:?}").unwrap();
        for chunk in sample.encode().chunks(32) {
            writeln!(out, "{}", hex::encode(chunk)).unwrap();
        }
    }
    out
}

#[test]
fn from_rust_txt_is_current() {
    current("from-rust.txt", &render());
}

#[test]
fn schema_txt_is_current() {
    current("schema.txt", &schema::<Mixer>().unwrap().text().unwrap());
}

#[test]
fn haskell_vectors_decode_to_the_samples_and_re_encode_exactly() {
    let path = fixtures().join("from-haskell.txt");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let theirs = parse(&text);
    let ours = samples::all();
    let their_names: BTreeSet<&str> = theirs.iter().map(|(n, _)| n.as_str()).collect();
    let our_names: BTreeSet<&str> = ours.iter().map(|(n, _)| *n).collect();
    let missing: Vec<&str> = our_names.difference(&their_names).copied().collect();
    let unknown: Vec<&str> = their_names.difference(&our_names).copied().collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "{} is stale: it lacks the samples {missing:?} and has {unknown:?}, which \
         tests/golden/samples.rs does not; mirror that list in \
         examples/mixer/hs/test/Samples.hs and run `just golden`",
        path.display()
    );
    assert_eq!(
        theirs.len(),
        their_names.len(),
        "{}: a sample name appears twice",
        path.display()
    );
    for (name, sample) in &ours {
        let (_, bytes) = theirs.iter().find(|(n, _)| n == name).unwrap();
        let decoded = sample
            .decode_like(bytes)
            .unwrap_or_else(|status| panic!("{name}: Haskell's bytes do not decode: {status:?}"));
        assert_eq!(&decoded, sample, "{name}: decodes to another value");
        assert_eq!(
            &decoded.encode(),
            bytes,
            "{name}: re-encodes to other bytes"
        );
    }
}

#[test]
fn the_samples_cover_every_call_and_cast_and_have_distinct_names() {
    let schema = schema::<Mixer>().unwrap();
    let ours = samples::all();
    let names: BTreeSet<&str> = ours.iter().map(|(n, _)| *n).collect();
    assert_eq!(names.len(), ours.len(), "a sample name appears twice");
    let tags = |kind: fn(&Sample) -> bool| -> BTreeSet<u8> {
        ours.iter()
            .filter(|(_, sample)| kind(sample))
            .map(|(_, sample)| sample.encode()[0])
            .collect()
    };
    let every = |count: usize| (0..u8::try_from(count).unwrap()).collect::<BTreeSet<u8>>();
    assert_eq!(
        tags(|s| matches!(s, Sample::Request(_))),
        every(schema.calls.len()),
        "a request without a sample"
    );
    assert_eq!(
        tags(|s| matches!(s, Sample::Reply(_))),
        every(schema.calls.len()),
        "a reply without a sample"
    );
    assert_eq!(
        tags(|s| matches!(s, Sample::Cast(_))),
        every(schema.casts.len()),
        "a cast without a sample"
    );
    for (name, sample) in &ours {
        let prefix = match sample {
            Sample::Request(_) => "request_",
            Sample::Reply(_) => "reply_",
            Sample::Cast(_) => "cast_",
        };
        assert!(
            name.starts_with(prefix),
            "{name} should start with {prefix}"
        );
    }
}

#[test]
fn the_vector_parser_reads_what_render_writes() {
    let parsed = parse(&render());
    let ours = samples::all();
    assert_eq!(parsed.len(), ours.len());
    for ((name, bytes), (our_name, sample)) in parsed.iter().zip(&ours) {
        assert_eq!(name, our_name);
        assert_eq!(bytes, &sample.encode());
    }
}
