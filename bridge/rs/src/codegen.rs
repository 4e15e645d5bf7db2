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

use std::collections::BTreeMap;
use std::path::Path;

use serde_reflection::{ContainerFormat, Format, Named, Registry, VariantFormat};

use crate::schema::{
    CallFormat, RESERVED, Reference, Schema, SchemaError, is_inlined, reference, refusal,
};
use crate::wire::CHAR_NAME;

/// Type and class names the generated module imports: the Prelude's, then those
/// `RustBridge.Protocol` exports. A type of the module with one of these names would
/// make its export ambiguous.
const IMPORTED_TYPES: &str = "Applicative Bool Bounded Char Double Either Enum Eq FilePath \
    Float Floating Foldable Fractional Functor IO IOError Int Integer Integral Maybe Monad \
    MonadFail Monoid Num Ord Ordering Rational Read ReadS Real RealFloat RealFrac Semigroup \
    Show ShowS String Traversable Word \
    ByteString Call CallList CallProtocol Calls Cast CastList CastProtocol Casts Event \
    EventList EventProtocol Events Generic Int8 Int16 Int32 Int64 NoEvents Protocol \
    Linked Start StartMessage Imports InitImport DeinitImport CallImport CastImport ReplyImport ParkImport \
    ReleaseImport FingerprintImport InFlightImport ParallelismImport CountersImport \
    CountImport SubscribeImport UnsubscribeImport TakeImport EventsParkImport CInt CSize \
    ProtocolEvent Reply Store WireSchema WireText Word8 Word16 Word32 Word64";

/// Data constructors the generated module imports (the Prelude's, then
/// `RustBridge.Protocol`'s). A constructor with one of these names would make every
/// use of it ambiguous.
const IMPORTED_CONSTRUCTORS: &str =
    "CInt CSize EQ False GT Imports Just LT Left Nothing Right True WireText";

/// Haskell's reserved words (Haskell 2010, and `forall`, which GHC reserves in types).
const KEYWORDS: &str = "_ case class data default deriving do else forall foreign if import \
    in infix infixl infixr instance let module newtype of then type where";

/// Whether the space-separated `list` holds `name`.
fn listed(list: &str, name: &str) -> bool {
    list.split_whitespace().any(|entry| entry == name)
}

/// The classes every generated type derives.
const DERIVING: &str = "deriving (Eq, Show, Generic, Store, WireSchema)";

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

/// The Haskell sum of a protocol's events.
struct EventSum {
    /// The sum type's name.
    name: String,
    /// Each event's payload type and constructor, in tag order.
    events: Vec<(String, String)>,
}

impl EventSum {
    /// The sum's declaration, in the layout ormolu gives it.
    fn render(&self, protocol: &str) -> Vec<String> {
        let name = &self.name;
        let mut lines = vec![format!(
            "-- | An event of @{protocol}@, as 'RustBridge.withEvents' delivers it."
        )];
        if let [(payload, constructor)] = self.events.as_slice() {
            lines.push(format!("newtype {name} = {constructor} {payload}"));
        } else {
            lines.push(format!("data {name}"));
            for (i, (payload, constructor)) in self.events.iter().enumerate() {
                let lead = if i == 0 { "  = " } else { "  | " };
                lines.push(format!("{lead}{constructor} !{payload}"));
            }
        }
        lines.push("  deriving (Eq, Show)".to_owned());
        lines
    }
}

/// The sum of the protocol's events, if it has any: each payload a declared type,
/// listed once; the sum's and the constructors' names taken in `names`.
fn events(
    types: &BTreeMap<String, Declaration>,
    schema: &Schema,
    names: &mut Names,
) -> Result<Option<EventSum>, SchemaError> {
    let (Some(events_trait), false) = (schema.events_trait, schema.events.is_empty()) else {
        return Ok(None);
    };
    let name = events_trait.strip_suffix('s').unwrap_or(events_trait);
    names.add_type(name, &format!("the events trait {events_trait}"))?;
    let mut events: Vec<(String, String)> = Vec::new();
    for (tag, event) in schema.events.iter().enumerate() {
        let owner = || format!("event {tag} ({})", event.method);
        let payload = message(types, &event.payload, owner)?;
        if events.iter().any(|(earlier, _)| *earlier == payload) {
            return Err(SchemaError(format!(
                "{}: {payload} is the payload of an earlier event too",
                owner()
            )));
        }
        let constructor = upper_camel(event.method);
        names.add_constructor(&constructor, &owner())?;
        events.push((payload, constructor));
    }
    Ok(Some(EventSum {
        name: name.to_owned(),
        events,
    }))
}

/// The module's lines, in the layout ormolu gives them.
// One argument per part of the module.
#[allow(clippy::too_many_arguments)]
fn module_text(
    module: &str,
    source: &str,
    prefix: &str,
    protocol: &str,
    start: Option<&str>,
    types: &BTreeMap<String, Declaration>,
    calls: &[(String, String)],
    casts: &[String],
    events: Option<&EventSum>,
) -> String {
    // Ormolu keeps the header comment directly above the pragmas.
    let mut lines = vec![
        format!("-- Generated by rs-in-hs from {source}. Do not edit: change the"),
        "-- Rust protocol and run `RS_IN_HS_GEN=write cargo test --test generated` in its"
            .to_owned(),
        "-- crate, which regenerates this file.".to_owned(),
    ];
    let mut pragmas = vec!["DataKinds", "TypeFamilies"];
    if !types.is_empty() {
        pragmas.extend(["DeriveAnyClass", "DeriveGeneric"]);
    }
    pragmas.sort_unstable();
    lines.extend(pragmas.iter().map(|p| format!("{{-# LANGUAGE {p} #-}}")));
    lines.push(String::new());
    lines.push(format!(
        "-- | The protocol @{protocol}@ of a Rust engine, for \"RustBridge\": the twin"
    ));
    lines.extend(
        [
            "-- of each of its Rust wire types (the same name, the same constructors in the",
            "-- same order, the same field types in the same order), and the instances that",
            "-- give each call its reply type.",
        ]
        .map(str::to_owned),
    );
    // The naming of record fields, shown on the protocol's first record, if it has one.
    let example = types
        .values()
        .find_map(|declaration| match &declaration.body {
            Body::Record(fields) => fields
                .first()
                .map(|field| (declaration.name.as_str(), field)),
            _ => None,
        });
    if let Some((name, field)) = example {
        let last = lines.pop().unwrap_or_default();
        lines.push(format!(
            "{last} A record field is named after its type and its"
        ));
        lines.push(format!(
            "-- Rust field: @{}@ of @{name}@ is @{}@.",
            field.rust, field.haskell
        ));
    }
    lines.push(format!("module {module}"));
    let mut exported: Vec<&str> = types.keys().map(String::as_str).collect();
    exported.extend(events.map(|sum| sum.name.as_str()));
    exported.sort_unstable();
    let exports = std::iter::once(protocol.to_owned())
        .chain(exported.iter().map(|name| format!("{name} (..)")));
    for (i, export) in exports.enumerate() {
        let lead = if i == 0 { "  ( " } else { "    " };
        lines.push(format!("{lead}{export},"));
    }
    lines.extend(["  )", "where", "", "import RustBridge.Protocol", ""].map(str::to_owned));
    let requests = calls.iter().map(|(request, _)| request.as_str());
    lines.extend([
        format!("-- | The protocol @{protocol}@: a marker type, with no values."),
        format!("data {protocol}"),
        String::new(),
        format!(
            "-- | The protocol @{protocol}@: its calls{}, in wire-tag order.",
            if events.is_some() {
                ", casts and events"
            } else {
                " and casts"
            }
        ),
        format!("instance Protocol {protocol} where"),
        format!("  type Calls {protocol} = {}", type_list(requests)),
        format!(
            "  type Casts {protocol} = {}",
            type_list(casts.iter().map(String::as_str))
        ),
    ]);
    if let Some(sum) = events {
        lines.push(format!(
            "  type Events {protocol} = {}",
            type_list(sum.events.iter().map(|(payload, _)| payload.as_str()))
        ));
        lines.push(format!("  type ProtocolEvent {protocol} = {}", sum.name));
    }
    if let Some(start) = start {
        lines.push(format!("  type Start {protocol} = {start}"));
    }
    let mut declarations: Vec<(&str, Vec<String>)> = types
        .values()
        .map(|declaration| (declaration.name.as_str(), declaration.render()))
        .collect();
    declarations.extend(events.map(|sum| (sum.name.as_str(), sum.render(protocol))));
    declarations.sort_by_key(|(name, _)| *name);
    for (_, declaration) in declarations {
        lines.push(String::new());
        lines.extend(declaration);
    }
    for (request, reply) in calls {
        lines.extend([
            String::new(),
            format!("-- | A call of @{protocol}@: @{request}@ is answered by @{reply}@."),
            format!("instance Call {request} where"),
            format!("  type CallProtocol {request} = {protocol}"),
            format!("  type Reply {request} = {reply}"),
        ]);
    }
    for cast in casts {
        lines.extend([
            String::new(),
            format!("-- | A cast of @{protocol}@: @{cast}@ has no reply."),
            format!("instance Cast {cast} where"),
            format!("  type CastProtocol {cast} = {protocol}"),
        ]);
    }
    if let Some(start) = start {
        lines.extend([
            String::new(),
            format!("-- | The start-up message of @{protocol}@: @withRustStarting@ sends it."),
            format!("instance StartMessage {start}"),
        ]);
    }
    for (payload, constructor) in events.iter().flat_map(|sum| &sum.events) {
        lines.extend([
            String::new(),
            format!("-- | An event of @{protocol}@: @{payload}@, delivered as '{constructor}'."),
            format!("instance Event {payload} where"),
            format!("  type EventProtocol {payload} = {protocol}"),
            format!("  toProtocolEvent = {constructor}"),
        ]);
    }
    lines.extend([
        String::new(),
        format!("-- | The engine of @{protocol}@ is linked in: its exports, prefixed @{prefix}_@."),
        format!("instance Linked {protocol} where"),
        "  linkedImports _ =".to_owned(),
    ]);
    for (i, (field, _, _, _)) in IMPORTS.iter().enumerate() {
        let lead = if i == 0 {
            "    Imports\n      { "
        } else {
            "        "
        };
        let comma = if i + 1 < IMPORTS.len() { "," } else { "" };
        lines.push(format!("{lead}{field} = {}{comma}", import_name(field)));
    }
    lines.push("      }".to_owned());
    for (field, export, safety, synonym) in IMPORTS {
        lines.extend([
            String::new(),
            format!("foreign import ccall {safety} \"{prefix}_{export}\""),
            format!("  {} :: {synonym}", import_name(field)),
        ]);
    }
    lines.push(String::new());
    lines.join("\n")
}

/// The imports of the record `Imports` (the Haskell package's `FFI`), in its order:
/// the field, the export it calls (after the prefix), `safe` or `unsafe` (`FFI` says
/// why for each field) and the type synonym that types it.
const IMPORTS: [(&str, &str, &str, &str); 20] = [
    ("h2rInit", "h2r_init", "safe", "InitImport"),
    ("h2rDeinit", "h2r_deinit", "safe", "DeinitImport"),
    ("h2rCallTry", "h2r_call", "unsafe", "CallImport"),
    ("h2rCallWait", "h2r_call", "safe", "CallImport"),
    ("h2rCastTry", "h2r_cast", "unsafe", "CastImport"),
    ("h2rCastWait", "h2r_cast", "safe", "CastImport"),
    ("h2rReply", "h2r_reply", "unsafe", "ReplyImport"),
    ("h2rPark", "h2r_park", "unsafe", "ParkImport"),
    ("h2rRelease", "h2r_release", "unsafe", "ReleaseImport"),
    (
        "h2rCallsInFlight",
        "h2r_calls_in_flight",
        "unsafe",
        "InFlightImport",
    ),
    (
        "h2rParallelism",
        "h2r_parallelism",
        "safe",
        "ParallelismImport",
    ),
    (
        "h2rSchemaFingerprint",
        "h2r_schema_fingerprint",
        "safe",
        "FingerprintImport",
    ),
    ("h2rStats", "h2r_stats", "unsafe", "CountersImport"),
    (
        "h2rTokenCreated",
        "h2r_token_created",
        "unsafe",
        "CountImport",
    ),
    (
        "h2rTokenFreedUnsent",
        "h2r_token_freed_unsent",
        "unsafe",
        "CountImport",
    ),
    (
        "h2rEventsSubscribe",
        "h2r_events_subscribe",
        "safe",
        "SubscribeImport",
    ),
    (
        "h2rEventsUnsubscribe",
        "h2r_events_unsubscribe",
        "safe",
        "UnsubscribeImport",
    ),
    ("h2rEventsTake", "h2r_events_take", "unsafe", "TakeImport"),
    (
        "h2rEventsPark",
        "h2r_events_park",
        "unsafe",
        "EventsParkImport",
    ),
    (
        "h2rEventsStats",
        "h2r_events_stats",
        "unsafe",
        "CountersImport",
    ),
];

/// The generated module's name for the import behind `field`: snake case, which no
/// generated type, constructor or field name uses.
fn import_name(field: &str) -> String {
    let mut name = String::new();
    for c in field.chars() {
        if c.is_ascii_uppercase() {
            name.push('_');
            name.push(c.to_ascii_lowercase());
        } else {
            name.push(c);
        }
    }
    name
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

/// What a stale or missing generated module asks for.
const REGENERATE: &str =
    "run this test again with RS_IN_HS_GEN=write (`just gen` in rs-in-hs) and commit the result";

/// Writes `text` to `path` (`write`), or checks that `path` holds it.
fn write_or_compare(text: &str, path: &Path, write: bool) -> Result<(), String> {
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

/// `'[A, B]`: a promoted list of types.
fn type_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    format!("'[{}]", names.collect::<Vec<_>>().join(", "))
}

/// The Haskell names taken so far, each with a description of its owner.
#[derive(Default)]
struct Names {
    types: BTreeMap<String, String>,
    constructors: BTreeMap<String, String>,
    fields: BTreeMap<String, String>,
}

impl Names {
    /// Takes the type name `name` for `owner`.
    fn add_type(&mut self, name: &str, owner: &str) -> Result<(), SchemaError> {
        if !is_constructor_name(name) {
            return Err(SchemaError(format!(
                "{owner}: {name:?} is not a Haskell type name (a capital letter, then letters, digits or _)"
            )));
        }
        if RESERVED.contains(&name) {
            return Err(SchemaError(format!(
                "{owner}: the name {name} is reserved for the bridge's own type"
            )));
        }
        if listed(IMPORTED_TYPES, name) {
            return Err(SchemaError(format!(
                "{owner}: the name {name} clashes with the imported type {name} (Prelude or RustBridge.Protocol)"
            )));
        }
        take(&mut self.types, name, owner, "type")
    }

    /// Takes the data constructor name `name` for `owner`.
    fn add_constructor(&mut self, name: &str, owner: &str) -> Result<(), SchemaError> {
        if !is_constructor_name(name) {
            return Err(SchemaError(format!(
                "{owner}: {name:?} is not a Haskell constructor name (a capital letter, then letters, digits or _)"
            )));
        }
        if listed(IMPORTED_CONSTRUCTORS, name) {
            return Err(SchemaError(format!(
                "{owner}: the constructor {name} clashes with the imported constructor {name} (Prelude or RustBridge.Protocol)"
            )));
        }
        take(&mut self.constructors, name, owner, "constructor")
    }

    /// Takes the record field name `name` for `owner`.
    fn add_field(&mut self, name: &str, owner: &str) -> Result<(), SchemaError> {
        if listed(KEYWORDS, name) {
            return Err(SchemaError(format!(
                "{owner}: its Haskell name {name} is a keyword"
            )));
        }
        take(&mut self.fields, name, owner, "field")
    }
}

/// Records that `owner` holds `name` in `taken`, unless another owner holds it.
fn take(
    taken: &mut BTreeMap<String, String>,
    name: &str,
    owner: &str,
    what: &str,
) -> Result<(), SchemaError> {
    if let Some(first) = taken.get(name) {
        return Err(SchemaError(format!(
            "{owner}: its Haskell {what} name {name} is also that of {first}"
        )));
    }
    taken.insert(name.to_owned(), owner.to_owned());
    Ok(())
}

/// `A.B.C`: parts separated by dots, each a constructor name.
fn is_module_name(name: &str) -> bool {
    name.split('.').all(is_constructor_name)
}

/// A capital letter, then letters, digits and underscores.
fn is_constructor_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// A Haskell type expression.
struct HsType {
    text: String,
    /// An application (`Maybe x`), which needs parentheses as an argument.
    applied: bool,
}

impl HsType {
    fn plain(text: &str) -> HsType {
        HsType {
            text: text.to_owned(),
            applied: false,
        }
    }

    /// The type as an argument or a strict field: parenthesised if applied.
    fn atom(&self) -> String {
        if self.applied {
            format!("({})", self.text)
        } else {
            self.text.clone()
        }
    }
}

/// One generated type.
struct Declaration {
    name: String,
    body: Body,
}

/// What a generated type holds.
enum Body {
    /// A unit, tuple or newtype struct: one constructor, named like the type.
    Positional(Vec<HsType>),
    /// A struct with named fields: a record, named like the type.
    Record(Vec<RecordField>),
    /// An enum: its variants in tag order, each a constructor with positional fields.
    Sum(Vec<(String, Vec<HsType>)>),
}

struct RecordField {
    haskell: String,
    rust: String,
    ty: HsType,
}

impl Declaration {
    /// The declaration's lines in the layout ormolu gives them, with its Haddock.
    fn render(&self) -> Vec<String> {
        let name = &self.name;
        let kind = if matches!(self.body, Body::Sum(_)) {
            "enum"
        } else {
            "struct"
        };
        let mut lines = vec![format!("-- | The Rust {kind} @{name}@.")];
        // One constructor with one field is a newtype (hlint asks for it; store and
        // WireSchema see the same Generic shape as for a strict data field).
        let newtype = match &self.body {
            Body::Positional(types) => types.len() == 1,
            Body::Record(fields) => fields.len() == 1,
            Body::Sum(_) => false,
        };
        let keyword = if newtype { "newtype" } else { "data" };
        let field = |ty: &HsType| {
            if newtype {
                ty.text.clone()
            } else {
                format!("!{}", ty.atom())
            }
        };
        match &self.body {
            Body::Positional(types) => {
                let fields: String = types.iter().map(|ty| format!(" {}", field(ty))).collect();
                lines.push(format!("{keyword} {name} = {name}{fields}"));
            }
            Body::Record(fields) => {
                lines.push(format!("{keyword} {name} = {name}"));
                for (i, f) in fields.iter().enumerate() {
                    let lead = if i == 0 { "  { " } else { "    " };
                    let comma = if i + 1 < fields.len() { "," } else { "" };
                    lines.push(format!("{lead}-- | The Rust field @{}@.", f.rust));
                    lines.push(format!("    {} :: {}{comma}", f.haskell, field(&f.ty)));
                }
                lines.push("  }".to_owned());
            }
            Body::Sum(variants) => {
                lines.push(format!("{keyword} {name}"));
                for (i, (variant, types)) in variants.iter().enumerate() {
                    let lead = if i == 0 { "  = " } else { "  | " };
                    let fields: String = types.iter().map(|ty| format!(" {}", field(ty))).collect();
                    lines.push(format!("{lead}{variant}{fields}"));
                }
            }
        }
        lines.push(format!("  {DERIVING}"));
        lines
    }
}

/// Every named type of the registry but the leaves, by name; takes their Haskell
/// names in `names`.
fn declarations(
    registry: &Registry,
    names: &mut Names,
) -> Result<BTreeMap<String, Declaration>, SchemaError> {
    let mut declarations = BTreeMap::new();
    for (name, container) in registry {
        if is_inlined(name) {
            continue;
        }
        let owner = match container {
            ContainerFormat::Enum(_) => format!("enum {name}"),
            _ => format!("struct {name}"),
        };
        names.add_type(name, &owner)?;
        let body = match container {
            ContainerFormat::UnitStruct => Body::Positional(vec![]),
            ContainerFormat::NewTypeStruct(format) => {
                Body::Positional(vec![field_type(registry, format, || {
                    format!("{owner}, field 0")
                })?])
            }
            ContainerFormat::TupleStruct(formats) => {
                Body::Positional(tuple_fields(registry, formats, &owner)?)
            }
            // A struct with no fields is a constructor alone.
            ContainerFormat::Struct(fields) if fields.is_empty() => Body::Positional(vec![]),
            ContainerFormat::Struct(fields) => Body::Record(record(registry, name, fields, names)?),
            ContainerFormat::Enum(variants) => Body::Sum(variants_of(registry, name, variants)?),
        };
        match &body {
            Body::Sum(variants) => {
                for (variant, _) in variants {
                    names.add_constructor(variant, &format!("variant {name}::{variant}"))?;
                }
            }
            _ => names.add_constructor(name, &owner)?,
        }
        declarations.insert(
            name.clone(),
            Declaration {
                name: name.clone(),
                body,
            },
        );
    }
    Ok(declarations)
}

/// Positional fields; errors name `owner` and the field's position.
fn tuple_fields(
    registry: &Registry,
    formats: &[Format],
    owner: &str,
) -> Result<Vec<HsType>, SchemaError> {
    formats
        .iter()
        .enumerate()
        .map(|(i, format)| field_type(registry, format, || format!("{owner}, field {i}")))
        .collect()
}

/// Named fields, positionally; errors name `owner` and the field.
fn named_fields(
    registry: &Registry,
    fields: &[Named<Format>],
    owner: &str,
) -> Result<Vec<HsType>, SchemaError> {
    fields
        .iter()
        .map(|field| {
            field_type(registry, &field.value, || {
                format!("{owner}, field {}", field.name)
            })
        })
        .collect()
}

/// A struct's named fields as record fields named `<type><Field>`; takes the names.
fn record(
    registry: &Registry,
    name: &str,
    fields: &[Named<Format>],
    names: &mut Names,
) -> Result<Vec<RecordField>, SchemaError> {
    let owner = format!("struct {name}");
    let types = named_fields(registry, fields, &owner)?;
    let mut record = Vec::new();
    for (field, ty) in fields.iter().zip(types) {
        let field_owner = format!("{owner}, field {}", field.name);
        if !field.name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(SchemaError(format!(
                "{field_owner}: the name is not an identifier (letters, digits, _)"
            )));
        }
        let haskell = format!("{}{}", lower_first(name), upper_camel(&field.name));
        names.add_field(&haskell, &field_owner)?;
        record.push(RecordField {
            haskell,
            rust: field.name.clone(),
            ty,
        });
    }
    Ok(record)
}

/// An enum's variants in tag order, each a positional constructor.
fn variants_of(
    registry: &Registry,
    name: &str,
    variants: &BTreeMap<u32, Named<VariantFormat>>,
) -> Result<Vec<(String, Vec<HsType>)>, SchemaError> {
    if name == "Result" {
        return Err(SchemaError(
            "enum Result is refused: its Ok is tag 0, which is Haskell's Left; use either::Either"
                .to_owned(),
        ));
    }
    // store's Generic sums have a Word8 tag and at most 255 constructors, and a
    // Haskell type with one constructor has no tag at all (serde_store writes one).
    if !(2..=255).contains(&variants.len()) {
        return Err(SchemaError(format!(
            "enum {name} has {} variants; an enum needs 2 to 255 (use a struct for one)",
            variants.len()
        )));
    }
    let mut sum = Vec::new();
    for (position, (index, variant)) in variants.iter().enumerate() {
        let owner = format!("variant {name}::{}", variant.name);
        // The tag is the position among the constructors.
        if usize::try_from(*index).ok() != Some(position) {
            return Err(SchemaError(format!(
                "{owner}: its index {index} is not its position {position}"
            )));
        }
        let types = match &variant.value {
            VariantFormat::Unit => vec![],
            VariantFormat::NewType(format) => {
                vec![field_type(registry, format, || {
                    format!("{owner}, field 0")
                })?]
            }
            VariantFormat::Tuple(formats) => tuple_fields(registry, formats, &owner)?,
            VariantFormat::Struct(fields) => named_fields(registry, fields, &owner)?,
            VariantFormat::Variable(_) => {
                return Err(SchemaError(format!("{owner} was not traced")));
            }
        };
        sum.push((variant.name.clone(), types));
    }
    Ok(sum)
}

/// `ChannelInfo` -> `channelInfo`.
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `gain_db` -> `GainDb`: each `_`-separated part capitalised, the underscores dropped.
fn upper_camel(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// The calls' request and reply types, in tag order. Each request is a declared type
/// and the request of one call only.
fn calls(
    registry: &Registry,
    types: &BTreeMap<String, Declaration>,
    calls: &[CallFormat],
) -> Result<Vec<(String, String)>, SchemaError> {
    let mut seen = Vec::new();
    for (tag, call) in calls.iter().enumerate() {
        let request = message(types, &call.request, || format!("call {tag}"))?;
        if seen.iter().any(|(earlier, _)| *earlier == request) {
            return Err(SchemaError(format!(
                "call {tag}: {request} is the request of an earlier call too"
            )));
        }
        let reply = field_type(registry, &call.reply, || {
            format!("call {tag} ({request}), its reply")
        })?;
        seen.push((request, reply.text));
    }
    Ok(seen)
}

/// The casts' types, in tag order; each a declared type, listed once.
fn casts(
    types: &BTreeMap<String, Declaration>,
    casts: &[Format],
) -> Result<Vec<String>, SchemaError> {
    let mut seen: Vec<String> = Vec::new();
    for (tag, cast) in casts.iter().enumerate() {
        let name = message(types, cast, || format!("cast {tag}"))?;
        if seen.contains(&name) {
            return Err(SchemaError(format!(
                "cast {tag}: {name} is an earlier cast too"
            )));
        }
        seen.push(name);
    }
    Ok(seen)
}

/// A request's or cast's type: a type the module declares.
fn message(
    types: &BTreeMap<String, Declaration>,
    format: &Format,
    owner: impl Fn() -> String,
) -> Result<String, SchemaError> {
    match format {
        Format::TypeName(name) if types.contains_key(name) => Ok(name.clone()),
        Format::TypeName(name) => Err(SchemaError(format!(
            "{}: {name} is not a named type of the protocol",
            owner()
        ))),
        _ => Err(SchemaError(format!(
            "{}: a request or cast must be a named type (a struct)",
            owner()
        ))),
    }
}

/// The Haskell type of a field; a refusal names `owner` (the type and field).
fn field_type(
    registry: &Registry,
    format: &Format,
    owner: impl Fn() -> String,
) -> Result<HsType, SchemaError> {
    hs_type(registry, format).map_err(|why| SchemaError(format!("{}: {why}", owner())))
}

/// The Haskell type of a format, or why the wire cannot carry it.
fn hs_type(registry: &Registry, format: &Format) -> Result<HsType, String> {
    if let Some(why) = refusal(format) {
        return Err(why.to_owned());
    }
    Ok(match format {
        Format::Unit => HsType::plain("()"),
        Format::U8 => HsType::plain("Word8"),
        Format::U16 => HsType::plain("Word16"),
        Format::U32 => HsType::plain("Word32"),
        Format::U64 => HsType::plain("Word64"),
        Format::I8 => HsType::plain("Int8"),
        Format::I16 => HsType::plain("Int16"),
        Format::I32 => HsType::plain("Int32"),
        Format::I64 => HsType::plain("Int64"),
        Format::F32 => HsType::plain("Float"),
        Format::F64 => HsType::plain("Double"),
        Format::Option(inner) => HsType {
            text: format!("Maybe {}", hs_type(registry, inner)?.atom()),
            applied: true,
        },
        Format::Seq(inner) => match inner.as_ref() {
            Format::U8 => HsType::plain("ByteString"),
            Format::TypeName(name) if name == CHAR_NAME => HsType::plain("String"),
            _ => HsType::plain(&format!("[{}]", hs_type(registry, inner)?.text)),
        },
        Format::Tuple(formats) => {
            let elements = formats
                .iter()
                .map(|format| hs_type(registry, format).map(|ty| ty.text))
                .collect::<Result<Vec<_>, _>>()?;
            HsType::plain(&format!("({})", elements.join(", ")))
        }
        Format::TypeName(name) => {
            match reference(registry, name).map_err(|SchemaError(why)| why)? {
                Reference::Bool => HsType::plain("Bool"),
                Reference::Char => HsType::plain("Char"),
                Reference::Text => HsType::plain("WireText"),
                Reference::Either(left, right) => HsType {
                    text: format!(
                        "Either {} {}",
                        hs_type(registry, left)?.atom(),
                        hs_type(registry, right)?.atom()
                    ),
                    applied: true,
                },
                Reference::Type(name) => HsType::plain(name),
            }
        }
        _ => unreachable!("refusal() covers every other format"),
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde::de::DeserializeOwned;
    use serde_reflection::{Samples, Tracer, TracerConfig};

    use super::*;
    use crate::schema::EventFormat;

    /// Stand-ins with the serde shapes of the wire's leaf types.
    #[derive(Deserialize)]
    #[serde(rename = "Bool")]
    struct Flag(#[allow(dead_code)] u8);
    #[derive(Deserialize)]
    #[serde(rename = "WireText")]
    struct Text(#[allow(dead_code)] Vec<u8>);
    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Either<L, R> {
        Left(L),
        Right(R),
    }

    /// Traces the roots (and each enum), then makes a schema whose calls are
    /// `requests` answered by `U64` and whose casts are `casts`.
    struct Roots {
        tracer: Tracer,
        samples: Samples,
    }

    impl Roots {
        fn new() -> Self {
            Roots {
                tracer: Tracer::new(TracerConfig::default()),
                samples: Samples::new(),
            }
        }

        fn root<T: DeserializeOwned>(mut self) -> Self {
            self.tracer.trace_type::<T>(&self.samples).unwrap();
            self
        }

        fn schema(self, requests: &[&str], casts: &[&str]) -> Demo {
            let name = |n: &&str| Format::TypeName((*n).to_owned());
            Demo {
                registry: self.tracer.registry().unwrap(),
                calls: requests
                    .iter()
                    .map(|request| CallFormat {
                        request: name(request),
                        reply: Format::U64,
                    })
                    .collect(),
                casts: casts.iter().map(name).collect(),
                events_trait: None,
                events: Vec::new(),
            }
        }
    }

    /// A schema of the protocol `Demo`.
    struct Demo {
        registry: Registry,
        calls: Vec<CallFormat>,
        casts: Vec<Format>,
        events_trait: Option<&'static str>,
        events: Vec<EventFormat>,
    }

    impl Demo {
        /// The same schema with an events trait and its events (method, payload).
        fn with_events(mut self, name: &'static str, events: &[(&'static str, &str)]) -> Demo {
            self.events_trait = Some(name);
            self.events = events
                .iter()
                .map(|(method, payload)| EventFormat {
                    method,
                    payload: Format::TypeName((*payload).to_owned()),
                })
                .collect();
            self
        }

        fn module(&self, module: &str, source: &str) -> Result<String, SchemaError> {
            self.module_with(module, source, "demo")
        }

        fn module_with(
            &self,
            module: &str,
            source: &str,
            prefix: &str,
        ) -> Result<String, SchemaError> {
            let schema = Schema {
                protocol: "Demo",
                registry: self.registry.clone(),
                calls: self.calls.clone(),
                casts: self.casts.clone(),
                events_trait: self.events_trait,
                events: self.events.clone(),
                start: None,
            };
            haskell(&schema, module, source, prefix)
        }
    }

    fn generate_demo(schema: &Demo) -> Result<String, SchemaError> {
        schema.module("Demo.Protocol", "demo/src/protocol.rs")
    }

    fn refusal(schema: &Demo) -> String {
        generate_demo(schema).unwrap_err().0
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct ChannelInfo {
        gain_db: f32,
        label: Text,
        muted: Flag,
        nested: Option<Option<u8>>,
        blobs: Vec<Vec<u8>>,
        maybe_blob: Option<Vec<u8>>,
        pair: (Option<u8>, Vec<u16>),
        choice: Either<Option<u8>, Text>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Shape {
        Dot,
        Circle { radius: f64, filled: Flag },
        Pair(u8, Option<i64>),
    }

    #[derive(Deserialize)]
    struct Ping;

    #[test]
    fn types_fields_and_instances_are_rendered() {
        let schema = Roots::new()
            .root::<ChannelInfo>()
            .root::<Shape>()
            .root::<Either<Option<u8>, Text>>()
            .root::<Ping>()
            .schema(&["Ping", "ChannelInfo"], &[]);
        let text = generate_demo(&schema).unwrap();
        for expected in [
            "-- Generated by rs-in-hs from demo/src/protocol.rs. Do not edit: change the\n",
            "-- Rust protocol and run `RS_IN_HS_GEN=write cargo test --test generated` in its\n-- crate, which regenerates this file.\n",
            "module Demo.Protocol\n  ( Demo,\n    ChannelInfo (..),\n    Ping (..),\n    Shape (..),\n  )\nwhere\n\nimport RustBridge.Protocol\n",
            "data Demo\n",
            "  type Calls Demo = '[Ping, ChannelInfo]\n  type Casts Demo = '[]\n",
            "data ChannelInfo = ChannelInfo\n  { -- | The Rust field @gain_db@.\n    channelInfoGainDb :: !Float,\n",
            "    channelInfoLabel :: !WireText,\n",
            "    channelInfoMuted :: !Bool,\n",
            "    channelInfoNested :: !(Maybe (Maybe Word8)),\n",
            "    channelInfoBlobs :: ![ByteString],\n",
            "    channelInfoMaybeBlob :: !(Maybe ByteString),\n",
            "    channelInfoPair :: !(Maybe Word8, [Word16]),\n",
            "    channelInfoChoice :: !(Either (Maybe Word8) WireText)\n  }\n",
            "data Shape\n  = Dot\n  | Circle !Double !Bool\n  | Pair !Word8 !(Maybe Int64)\n  deriving (Eq, Show, Generic, Store, WireSchema)\n",
            "-- | The Rust struct @Ping@.\ndata Ping = Ping\n",
            "instance Call ChannelInfo where\n  type CallProtocol ChannelInfo = Demo\n  type Reply ChannelInfo = Word64\n",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        // The leaves are inline, never declared.
        assert!(!text.contains("data Either"), "{text}");
        assert!(!text.contains("WireText ="), "{text}");
    }

    #[derive(Deserialize)]
    #[allow(dead_code, non_snake_case)]
    struct Gain {
        gain_db: f32,
        gainDb: f32,
    }

    #[test]
    fn clashing_field_names_are_refused_with_type_and_field() {
        let schema = Roots::new().root::<Gain>().schema(&[], &[]);
        assert_eq!(
            refusal(&schema),
            "struct Gain, field gainDb: its Haskell field name gainGainDb is also that of struct Gain, field gain_db"
        );
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Foo {
        bar_baz: u8,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct FooBar {
        baz: u8,
    }

    #[test]
    fn field_names_clashing_across_types_are_refused() {
        let schema = Roots::new().root::<Foo>().root::<FooBar>().schema(&[], &[]);
        let why = refusal(&schema);
        assert!(why.contains("struct FooBar, field baz"), "{why}");
        assert!(why.contains("fooBarBaz"), "{why}");
        assert!(why.contains("struct Foo, field bar_baz"), "{why}");
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Data {
        __: u8,
    }

    #[test]
    fn keyword_field_names_are_refused() {
        let schema = Roots::new().root::<Data>().schema(&[], &[]);
        assert_eq!(
            refusal(&schema),
            "struct Data, field __: its Haskell name data is a keyword"
        );
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Signal {
        Ping,
        Other,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Noise {
        Other,
        Hiss,
    }

    #[test]
    fn clashing_constructors_are_refused_naming_both_owners() {
        let with_struct = Roots::new()
            .root::<Signal>()
            .root::<Ping>()
            .schema(&[], &[]);
        assert_eq!(
            refusal(&with_struct),
            "variant Signal::Ping: its Haskell constructor name Ping is also that of struct Ping"
        );
        let two_enums = Roots::new()
            .root::<Signal>()
            .root::<Noise>()
            .schema(&[], &[]);
        assert_eq!(
            refusal(&two_enums),
            "variant Signal::Other: its Haskell constructor name Other is also that of variant Noise::Other"
        );
    }

    #[derive(Deserialize)]
    struct Config;
    #[derive(Deserialize)]
    struct Maybe;
    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Answer {
        Just(u8),
        Nope,
    }
    mod marker {
        /// A type named like the protocol.
        #[derive(serde::Deserialize)]
        pub struct Demo;
    }

    #[test]
    fn reserved_and_imported_names_are_refused() {
        let config = Roots::new().root::<Config>().schema(&[], &[]);
        assert!(refusal(&config).contains("reserved for the bridge"));
        let maybe = Roots::new().root::<Maybe>().schema(&[], &[]);
        assert!(
            refusal(&maybe).contains("struct Maybe: the name Maybe clashes with the imported type")
        );
        let just = Roots::new().root::<Answer>().schema(&[], &[]);
        assert!(refusal(&just).contains("variant Answer::Just: the constructor Just clashes"));
        let marker = Roots::new().root::<marker::Demo>().schema(&[], &[]);
        assert!(refusal(&marker).contains("is also that of the protocol Demo"));
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Raw {
        ok: bool,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Wrapped {
        A { name: String },
        B,
    }
    #[derive(Deserialize)]
    #[allow(dead_code)]
    enum Lonely {
        Only(u8),
    }

    #[test]
    fn shapes_the_wire_cannot_carry_are_refused_with_type_and_field() {
        let raw = Roots::new().root::<Raw>().schema(&[], &[]);
        assert!(refusal(&raw).starts_with("Raw.ok: bool is refused"));
        let wrapped = Roots::new().root::<Wrapped>().schema(&[], &[]);
        assert!(refusal(&wrapped).starts_with("Wrapped::A.name: String is refused"));
        let lonely = Roots::new().root::<Lonely>().schema(&[], &[]);
        assert!(refusal(&lonely).contains("1 variants"));
    }

    #[test]
    fn bad_calls_and_casts_and_names_are_refused() {
        let twice = Roots::new().root::<Ping>().schema(&["Ping", "Ping"], &[]);
        assert!(refusal(&twice).contains("call 1: Ping is the request of an earlier call too"));
        let missing = Roots::new().root::<Ping>().schema(&[], &["Pong"]);
        assert!(refusal(&missing).contains("Pong is not in the registry"));
        let schema = Roots::new().root::<Ping>().schema(&["Ping"], &[]);
        assert!(schema.module("demo.Protocol", "x").is_err());
        assert!(schema.module("Demo.Protocol", "two\nlines").is_err());
    }

    #[test]
    fn a_stale_or_missing_file_is_reported_and_written_on_request() {
        let path = std::env::temp_dir()
            .join(format!("rs-in-hs-codegen-{}", std::process::id()))
            .join("Demo.hs");
        let missing = write_or_compare("a\nb\n", &path, false).unwrap_err();
        assert!(missing.contains("RS_IN_HS_GEN=write"), "{missing}");
        write_or_compare("a\nb\n", &path, true).unwrap();
        assert_eq!(write_or_compare("a\nb\n", &path, false), Ok(()));
        let stale = write_or_compare("a\nc\n", &path, false).unwrap_err();
        std::fs::remove_dir_all(path.parent().unwrap()).unwrap();
        assert_eq!(
            stale,
            format!(
                "{} is stale: run this test again with RS_IN_HS_GEN=write (`just gen` in rs-in-hs) and commit the result (line 2 is `b`, the generator writes `c`)",
                path.display()
            )
        );
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Tick(u64);

    #[test]
    fn events_are_a_sum_with_an_instance_per_payload() {
        let schema = Roots::new()
            .root::<Ping>()
            .root::<Tick>()
            .schema(&["Ping"], &[])
            .with_events("DemoEvents", &[("ticked", "Tick"), ("pinged_back", "Ping")]);
        let text = generate_demo(&schema).unwrap();
        for expected in [
            "  ( Demo,\n    DemoEvent (..),\n    Ping (..),\n    Tick (..),\n  )\n",
            "  type Casts Demo = '[]\n  type Events Demo = '[Tick, Ping]\n  type ProtocolEvent Demo = DemoEvent\n",
            "data DemoEvent\n  = Ticked !Tick\n  | PingedBack !Ping\n  deriving (Eq, Show)\n",
            "instance Event Tick where\n  type EventProtocol Tick = Demo\n  toProtocolEvent = Ticked\n",
            "instance Event Ping where\n  type EventProtocol Ping = Demo\n  toProtocolEvent = PingedBack\n",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        let one = Roots::new()
            .root::<Tick>()
            .schema(&[], &[])
            .with_events("DemoEvents", &[("ticked", "Tick")]);
        let text = generate_demo(&one).unwrap();
        assert!(text.contains("newtype DemoEvent = Ticked Tick\n"), "{text}");
        // Without events, the instance keeps the defaults.
        let none = Roots::new().root::<Tick>().schema(&[], &[]);
        assert!(!generate_demo(&none).unwrap().contains("type Events"));
    }

    #[test]
    fn the_imports_carry_the_prefix_and_each_blocking_mode() {
        let schema = Roots::new().root::<Ping>().schema(&["Ping"], &[]);
        let text = generate_demo(&schema).unwrap();
        for expected in [
            "instance Linked Demo where\n  linkedImports _ =\n    Imports\n      { h2rInit = h2r_init,\n",
            "        h2rEventsStats = h2r_events_stats\n      }\n",
            "foreign import ccall unsafe \"demo_h2r_call\"\n  h2r_call_try :: CallImport\n",
            "foreign import ccall safe \"demo_h2r_call\"\n  h2r_call_wait :: CallImport\n",
            "foreign import ccall safe \"demo_h2r_deinit\"\n  h2r_deinit :: DeinitImport\n",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }
        assert_eq!(text.matches("foreign import ccall").count(), IMPORTS.len());
        // No record, so no example of a record field's name.
        assert!(!text.contains("record field"), "{text}");
        for bad in ["", "9lives", "two words", "a-b"] {
            let refused = schema.module_with("Demo.Protocol", "demo.rs", bad);
            assert!(
                refused.is_err_and(|e| e.0.contains("prefix")),
                "{bad:?} accepted"
            );
        }
    }

    #[test]
    fn clashing_event_names_are_refused() {
        let clash = Roots::new()
            .root::<Ping>()
            .schema(&[], &[])
            .with_events("DemoEvents", &[("ping", "Ping")]);
        assert_eq!(
            refusal(&clash),
            "event 0 (ping): its Haskell constructor name Ping is also that of struct Ping"
        );
        let twice = Roots::new()
            .root::<Tick>()
            .schema(&[], &[])
            .with_events("DemoEvents", &[("a", "Tick"), ("b", "Tick")]);
        assert!(
            refusal(&twice).contains("event 1 (b): Tick is the payload of an earlier event too")
        );
        let named = Roots::new()
            .root::<Tick>()
            .schema(&[], &[])
            .with_events("Ticks", &[("ticked", "Tick")]);
        assert!(refusal(&named).contains("the events trait Ticks: its Haskell type name Tick"));
    }
}
