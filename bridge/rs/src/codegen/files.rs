//! The committed module's check: compare it with the generated text, or write it.

use std::path::Path;

/// What a stale or missing generated module asks for.
const REGENERATE: &str =
    "run this test again with RS_IN_HS_GEN=write (`just gen` in rs-in-hs) and commit the result";

/// Writes `text` to `path` (`write`), or checks that `path` holds it.
pub(super) fn write_or_compare(text: &str, path: &Path, write: bool) -> Result<(), String> {
    let shown = path.display();
    if write {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        return std::fs::write(path, text).map_err(|e| format!("cannot write {shown}: {e}"));
    }
    let current = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {shown} ({e}): {REGENERATE}"))?;
    if current == text {
        return Ok(());
    }
    Err(format!(
        "{shown} is stale: {REGENERATE} ({})",
        first_difference(&current, text)
    ))
}

/// Where the file's text first departs from the generated text, in a few words.
fn first_difference(file: &str, generated: &str) -> String {
    let mut file_lines = file.lines();
    let mut generated_lines = generated.lines();
    for number in 1.. {
        match (file_lines.next(), generated_lines.next()) {
            (Some(old), Some(new)) if old == new => {}
            (Some(old), Some(new)) => {
                return format!("line {number} is `{old}`, the generator writes `{new}`");
            }
            (Some(old), None) => {
                return format!("line {number} `{old}` is past the generated end");
            }
            (None, Some(new)) => {
                return format!("the file ends before line {number}, `{new}`");
            }
            (None, None) => break,
        }
    }
    "the lines agree; the line endings or the final newline differ".to_owned()
}
