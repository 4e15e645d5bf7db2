//! The README's "Answer later" shows this crate's code: every Rust block of that
//! section appears, as it is, in `src/lib.rs`.

#[test]
fn the_readme_section_shows_this_crates_code() {
    let readme = include_str!("../../../../README.md");
    let source = include_str!("../src/lib.rs");
    let section = readme
        .split("\n## Answer later\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README has an \"Answer later\" section");
    let blocks: Vec<&str> = section
        .split("```rust\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap_or(""))
        .collect();
    assert_eq!(blocks.len(), 3, "the section's Rust blocks");
    for block in blocks {
        assert!(source.contains(block), "not in src/lib.rs:\n{block}");
    }
}
