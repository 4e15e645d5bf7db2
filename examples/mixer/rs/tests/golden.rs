//! Golden vectors, both directions (see `fixtures/wire/`):
//! - the bytes Haskell's `store` produced for each named sample decode here to this
//!   side's sample of the same name, and re-encode to exactly the same bytes;
//! - this side's own vectors and schema text match the committed files, so a change
//!   to the wire types cannot land without regenerating them (`just golden`).
//!
//! With `RS_IN_HS_GOLDEN=write` the "is current" tests write the files instead.

mod golden {
    pub mod samples;
}

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use golden::samples;
use rs_in_hs::wire::schema;

fn fixtures() -> PathBuf {
    // The Nix check points this at a store copy of fixtures/wire.
    std::env::var_os("RS_IN_HS_FIXTURES").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/wire"),
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
        std::fs::write(&path, contents).expect("write the fixture");
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
        "# Wire golden vectors written by Rust's serde_store (rs/tests/golden.rs).\n\
         # Do not edit: `just golden` regenerates this file. Each case is `## name`,\n\
         # the value (Rust Debug), then the encoded bytes in hex, 32 bytes per line.\n",
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
    current("schema.txt", schema::text().unwrap());
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
    assert_eq!(their_names, our_names, "the two sides' sample names differ");
    assert_eq!(theirs.len(), ours.len(), "a sample name appears twice");
    for (name, sample) in &ours {
        let (_, bytes) = theirs.iter().find(|(n, _)| n == name).unwrap();
        let decoded = sample
            .decode_like(bytes)
            .unwrap_or_else(|status| panic!("{name}: Haskell's bytes do not decode: {status}"));
        assert_eq!(&decoded, sample, "{name}: decodes to another value");
        assert_eq!(
            &decoded.encode(),
            bytes,
            "{name}: re-encodes to other bytes"
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
