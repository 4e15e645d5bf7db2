//! Haskell code generation: the protocol's Haskell module, written from its [`Schema`].
//!
//! [`haskell`] writes one module with:
//! - an empty marker type named after the protocol, and its `Protocol` instance, which
//!   lists the request types, cast types and event types in tag order (and names the
//!   sum of the events);
//! - the Haskell twin of every named wire type: the same name, the same constructors in
//!   the same order, the same field types in the same order, as `data` with strict
//!   fields (`newtype` when there is one constructor with one field, which has the same
//!   bytes and the same `Generic` shape), deriving
//!   `(Eq, Show, Generic, Store, WireSchema)`;
//! - a `Call` instance for each request (naming its reply type) and a `Cast` instance
//!   for each cast;
//! - for a protocol with events, their sum: named after the events trait without a
//!   trailing `s` (`MixerEvents` gives `MixerEvent`), one constructor per event named
//!   after its method in UpperCamel (`meters` gives `Meters`), each holding the
//!   payload, deriving `(Eq, Show)`; and an `Event` instance for each payload, which
//!   names its constructor. A protocol without events gets none of this (its
//!   `Protocol` instance keeps the defaults: no events).
//!
//! Struct fields become record fields named after the type and the field
//! (`ChannelInfo.gain_db` is `channelInfoGainDb`); tuple structs and enum variants
//! become positional constructors (a record in a sum would have partial fields). The
//! module imports only `RustBridge.Protocol`, which re-exports every name it uses.
//!
//! Field types map as the schema text does: `U8`..`U64` to `Word8`..`Word64`, `I8`..
//! `I64` to `Int8`..`Int64`, `F32` `Float`, `F64` `Double`, `BOOL` `Bool`, `CHAR`
//! `Char`, `TEXT` `WireText`, `UNIT` `()`, `SEQ(U8)` `ByteString`, `SEQ(CHAR)`
//! `String`, `SEQ(x)` `[x]`, `OPTION(x)` `Maybe x`, `TUPLE(a, b)` `(a, b)`, `EITHER(a, b)`
//! `Either a b`, a type name to itself.
//!
//! The generator refuses, naming the type and the field or variant: every shape the
//! wire cannot carry (as [`crate::schema`] does), a type named `Config` or
//! `InitMessage` (the bridge's own), and every name the Haskell module cannot hold: a
//! name that is not a Haskell identifier, two field names or two constructor names
//! that coincide, a type or constructor named like one the module imports, and a
//! field name that is a keyword.
//!
//! [`check_generated`] keeps the committed module current; each protocol crate calls
//! it from its `tests/generated.rs`.
//!
//! The generator's parts: `names` (the Haskell names a module may hold, and how Rust
//! names map to them), `types` (the Haskell type of every declaration, message and
//! field), `text` (the module's text) and `files` (the committed file's check).

use std::path::Path;

use serde_reflection::Format;

use crate::schema::{Schema, SchemaError};

mod files;
mod names;
mod text;
mod types;

#[cfg(test)]
mod tests;

use files::write_or_compare;
use names::{Names, is_module_name};
use text::module_text;
use types::{calls, casts, declarations, events};

/// The complete text of the Haskell module `module` for the protocol `schema`.
///
/// `source` says where the protocol is defined (for example
/// `examples/mixer/rs/src/protocol.rs`); the header names it. Fails, naming the type
/// and the field or variant, on every shape and name the module could not hold (see
/// the module docs).
pub fn haskell(
    schema: &Schema,
    module: &str,
    source: &str,
    prefix: &str,
) -> Result<String, SchemaError> {
    // The schema's own checks first: every shape the wire cannot carry is refused
    // there, with the type and field named, so the rest only maps what can cross.
    schema.text()?;
    if !is_module_name(module) {
        return Err(SchemaError(format!(
            "{module:?} is not a Haskell module name (dot-separated, each part capitalised)"
        )));
    }
    if source.contains(['\n', '\r']) {
        return Err(SchemaError(format!(
            "the source {source:?} must fit on one line"
        )));
    }
    if prefix.is_empty()
        || prefix.starts_with(|c: char| c.is_ascii_digit())
        || !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(SchemaError(format!(
            "the prefix {prefix:?} is not the identifier given to export_engine!"
        )));
    }
    let mut names = Names::default();
    let protocol = schema.protocol;
    names.add_type(protocol, &format!("the protocol {protocol}"))?;
    let types = declarations(&schema.registry, &mut names)?;
    let calls = calls(&schema.registry, &types, &schema.calls)?;
    let casts = casts(&types, &schema.casts)?;
    let events = events(&types, schema, &mut names)?;
    let start = match &schema.start {
        None => None,
        Some(Format::TypeName(name)) if types.contains_key(name) => Some(name.as_str()),
        Some(other) => {
            return Err(SchemaError(format!(
                "the start-up message must be a named type (a struct), not {other:?}"
            )));
        }
    };

    Ok(module_text(
        module,
        source,
        prefix,
        protocol,
        start,
        &types,
        &calls,
        &casts,
        events.as_ref(),
    ))
}
/// Checks that the file at `path` holds exactly [`haskell`]'s text, or, when the
/// environment has `RS_IN_HS_GEN=write`, writes that text there (`just gen` runs every
/// crate's test so in this repository).
///
/// Fails with a message naming the file and its first stale line, or the reason the
/// text could not be generated, read or written. A protocol crate's
/// `tests/generated.rs`:
///
/// ```text
/// #[test]
/// fn the_haskell_protocol_module_is_current() {
///     let schema = rs_in_hs::schema::schema::<Probe>().unwrap();
///     let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../hs/src/Probe/Protocol.hs");
///     rs_in_hs::codegen::check_generated(
///         &schema, "Probe.Protocol", "probe/rs/src/protocol.rs",
///         rs_in_hs_probe::H2R_PREFIX, path.as_ref(),
///     )
///     .unwrap();
/// }
/// ```
pub fn check_generated(
    schema: &Schema,
    module: &str,
    source: &str,
    prefix: &str,
    path: &Path,
) -> Result<(), String> {
    let text = haskell(schema, module, source, prefix).map_err(|e| e.to_string())?;
    let write = std::env::var_os("RS_IN_HS_GEN").is_some_and(|value| value == "write");
    write_or_compare(&text, path, write)
}
