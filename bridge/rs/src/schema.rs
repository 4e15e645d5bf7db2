//! A protocol's wire schema: the types it carries, their canonical text, and the
//! fingerprint `h2r_init` compares with Haskell's.
//!
//! `serde-reflection` traces the protocol's types (from their serde derives, so an
//! edited type changes the trace without anyone bumping a number) into a registry of
//! formats. [`Schema::text`] renders it as canonical text: a header, the calls
//! (`request -> reply`) and the casts in tag order, the start-up message's type and
//! the events in tag order (lines that a protocol without them leaves out), then one line per named type,
//! sorted by name, listing constructor names, constructor order and field types (not
//! field names, which are not on the wire). Haskell renders the same text from
//! `GHC.Generics` (`RustBridge.Protocol.protocolSchema`), independently of the
//! generated code; the fingerprint is the text's SHA-256.
//!
//! [`schema`] also refuses the shapes whose encodings disagree with Haskell's `store`
//! (see docs/wire-format.md), so they cannot enter a protocol: raw `bool`
//! (use `WireBool`), raw `char` (use `WireChar`), `String`/`&str` (use `WireText`),
//! serde byte buffers, maps, 128-bit integers, fixed arrays, `Result`, enums with one
//! variant or more than 255, requests and casts that are not named types, and types
//! named like the bridge's own (`Config`, `InitMessage`).

use std::collections::BTreeMap;
use std::fmt;

/// Length in bytes of a schema fingerprint (a SHA-256), as `h2r_schema_fingerprint`
/// writes it.
pub const FINGERPRINT_LEN: usize = 32;

use serde::de::DeserializeOwned;
use serde_reflection::{
    ContainerFormat, Format, Named, Registry, Samples, Tracer, TracerConfig, VariantFormat,
};
use sha2::{Digest, Sha256};

use crate::protocol::{Describer, Protocol, TraceFn};
use crate::wire::{BOOL_NAME, CHAR_NAME, EITHER_NAME, InitMessage, TEXT_NAME};

/// The first line of the canonical text; bump it only if the rendering changes.
pub const HEADER: &str = "rs-in-hs wire schema 2";

/// The names of the bridge's own wire types, which no protocol may reuse.
pub(crate) const RESERVED: [&str; 2] = ["Config", "InitMessage"];

/// Why a protocol's types could not be rendered as a schema: names the type and,
/// where there is one, the field or variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError(pub String);

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wire schema: {}", self.0)
    }
}

impl std::error::Error for SchemaError {}

/// One call of a protocol: the formats of its request and of its reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallFormat {
    /// The request: always a named type (`Format::TypeName`).
    pub request: Format,
    /// The reply: any wire format.
    pub reply: Format,
}

/// One event of a protocol: the events trait's method that emits it and the format
/// of its payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventFormat {
    /// The method's name (the Haskell constructor is named after it).
    pub method: &'static str,
    /// The payload: always a named type (`Format::TypeName`).
    pub payload: Format,
}

/// A protocol's types, as traced: what the fingerprint and the code generator use.
#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    /// The protocol's name (`Protocol::NAME`).
    pub protocol: &'static str,
    /// Every named type the protocol carries (the bridge's own `Config` and
    /// `InitMessage` are not in it).
    pub registry: Registry,
    /// The calls, in tag order.
    pub calls: Vec<CallFormat>,
    /// The casts, in tag order; each a named type.
    pub casts: Vec<Format>,
    /// The events trait's name, if the protocol has one (the Haskell sum of the
    /// events is named after it); not part of the text.
    pub events_trait: Option<&'static str>,
    /// The events, in tag order.
    pub events: Vec<EventFormat>,
    /// The start-up message, if the protocol declares one: a named type.
    pub start: Option<Format>,
}

/// Traces protocol `P` and checks that everything in it can cross the wire.
pub fn schema<P: Protocol>() -> Result<Schema, SchemaError> {
    let mut describer = Describer::default();
    P::describe(&mut describer);
    // A tag is one byte on both sides.
    for (what, count) in [
        ("calls", describer.calls.len()),
        ("casts", describer.casts.len()),
        ("events", describer.events.len()),
    ] {
        if count > 256 {
            return Err(SchemaError(format!(
                "protocol {} has {count} {what}; a one-byte tag allows 256",
                P::NAME
            )));
        }
    }
    let mut roots: Vec<TraceFn> = Vec::new();
    for (request, reply) in &describer.calls {
        roots.push(*request);
        roots.push(*reply);
    }
    roots.extend(describer.casts.iter().copied());
    roots.extend(describer.events.iter().map(|(_, payload)| *payload));
    roots.extend(describer.start);
    let (registry, mut formats) = trace(&roots, &describer.enums)?;
    let start = describer.start.and_then(|_| formats.pop());
    if let Some(name) = RESERVED.iter().find(|name| registry.contains_key(**name)) {
        return Err(SchemaError(format!(
            "the type name {name} is the bridge's own; rename the protocol's type"
        )));
    }
    let calls = formats[..describer.calls.len() * 2]
        .chunks(2)
        .map(|pair| CallFormat {
            request: pair[0].clone(),
            reply: pair[1].clone(),
        })
        .collect::<Vec<_>>();
    let (casts, events) = formats[describer.calls.len() * 2..].split_at(describer.casts.len());
    let events = describer
        .events
        .iter()
        .zip(events)
        .map(|((method, _), payload)| EventFormat {
            method,
            payload: payload.clone(),
        })
        .collect();
    let schema = Schema {
        protocol: P::NAME,
        registry,
        calls,
        casts: casts.to_vec(),
        events_trait: describer.events_trait,
        events,
        start,
    };
    if let Some(start) = &schema.start {
        message_name(&schema.registry, start, "start-up message")?;
    }
    for call in &schema.calls {
        message_name(&schema.registry, &call.request, "request")?;
    }
    for cast in &schema.casts {
        message_name(&schema.registry, cast, "cast")?;
    }
    for event in &schema.events {
        message_name(&schema.registry, &event.payload, "event")?;
    }
    // Rendering checks every shape.
    schema.text()?;
    Ok(schema)
}

impl Schema {
    /// The canonical schema text (see the module docs). Refuses what [`schema`]
    /// refuses, for a `Schema` built some other way.
    pub fn text(&self) -> Result<String, SchemaError> {
        let calls = self
            .calls
            .iter()
            .map(|call| {
                Ok(format!(
                    "{} -> {}",
                    field(&self.registry, &call.request)?,
                    field(&self.registry, &call.reply)?
                ))
            })
            .collect::<Result<Vec<_>, SchemaError>>()?;
        let casts = self
            .casts
            .iter()
            .map(|cast| field(&self.registry, cast))
            .collect::<Result<Vec<_>, SchemaError>>()?;
        let events = self
            .events
            .iter()
            .map(|event| field(&self.registry, &event.payload))
            .collect::<Result<Vec<_>, SchemaError>>()?;
        let mut text = format!(
            "{HEADER}\ncalls: {}\ncasts: {}\n",
            calls.join(", "),
            casts.join(", ")
        );
        if let Some(start) = &self.start {
            text.push_str(&format!("start: {}\n", field(&self.registry, start)?));
        }
        if !events.is_empty() {
            text.push_str(&format!("events: {}\n", events.join(", ")));
        }
        let mut lines = BTreeMap::new();
        let (bridge, _) = trace(&[trace_root::<InitMessage>], &[])?;
        for registry in [&self.registry, &bridge] {
            for (name, line) in definitions(registry)? {
                lines.insert(name, line);
            }
        }
        for line in lines.values() {
            text.push_str(line);
            text.push('\n');
        }
        Ok(text)
    }

    /// The SHA-256 of [`Schema::text`]: what `h2r_init` compares with Haskell's.
    pub fn fingerprint(&self) -> Result<[u8; FINGERPRINT_LEN], SchemaError> {
        Ok(Sha256::digest(self.text()?.as_bytes()).into())
    }
}

/// The name of a request's or cast's type, which must be a named type of the
/// protocol (not a leaf such as `WireText` or `Either`).
fn message_name<'a>(
    registry: &Registry,
    format: &'a Format,
    what: &str,
) -> Result<&'a str, SchemaError> {
    match format {
        Format::TypeName(name) if registry.contains_key(name) && !is_inlined(name) => Ok(name),
        other => Err(SchemaError(format!(
            "a {what} must be a named type (a struct), not {other:?}"
        ))),
    }
}

fn trace_root<T: DeserializeOwned>(
    tracer: &mut Tracer,
    samples: &Samples,
) -> serde_reflection::Result<Format> {
    tracer.trace_type::<T>(samples).map(|(format, _)| format)
}

/// Traces the roots, then every nested enum on its own (serde-reflection finds all
/// variants only of the type it is asked to trace), into one registry. An enum that
/// was met but not listed is refused by name, never rendered with missing variants.
fn trace(roots: &[TraceFn], enums: &[TraceFn]) -> Result<(Registry, Vec<Format>), SchemaError> {
    let explain = |error: serde_reflection::Error| SchemaError(error.explanation());
    let samples = Samples::new();
    let mut tracer = Tracer::new(TracerConfig::default());
    let formats = roots
        .iter()
        .map(|root| root(&mut tracer, &samples))
        .collect::<Result<Vec<_>, _>>()
        .map_err(explain)?;
    for nested in enums {
        nested(&mut tracer, &samples).map_err(explain)?;
    }
    match tracer.registry() {
        Ok(registry) => Ok((registry, formats)),
        Err(serde_reflection::Error::MissingVariants(names)) => Err(SchemaError(format!(
            "the enums {} are nested in the protocol's messages: list them in the `enums` \
             block of protocol! so that every variant is traced",
            names.join(", ")
        ))),
        Err(error) => Err(explain(error)),
    }
}

/// One line per named type: `Name = body`, by name.
fn definitions(registry: &Registry) -> Result<BTreeMap<String, String>, SchemaError> {
    let mut lines = BTreeMap::new();
    for (name, container) in registry {
        if is_inlined(name) {
            continue;
        }
        let body = match container {
            ContainerFormat::UnitStruct => product(registry, name, &[])?,
            ContainerFormat::NewTypeStruct(format) => product(
                registry,
                name,
                &positional(std::slice::from_ref(format.as_ref())),
            )?,
            ContainerFormat::TupleStruct(formats) => product(registry, name, &positional(formats))?,
            ContainerFormat::Struct(fields) => product(registry, name, fields)?,
            ContainerFormat::Enum(variants) => sum(registry, name, variants)?,
        };
        lines.insert(name.clone(), format!("{name} = {body}"));
    }
    Ok(lines)
}

/// A product's fields, `{A, B}`; a refused field is named as `owner.field`.
fn product(
    registry: &Registry,
    owner: &str,
    fields: &[Named<Format>],
) -> Result<String, SchemaError> {
    let rendered = fields
        .iter()
        .map(|named| {
            field(registry, &named.value)
                .map_err(|SchemaError(why)| SchemaError(format!("{owner}.{}: {why}", named.name)))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(format!("{{{}}}", rendered.join(", ")))
}

/// Formats separated by commas: `A, B`.
fn fields(registry: &Registry, formats: &[Format]) -> Result<String, SchemaError> {
    let rendered = formats
        .iter()
        .map(|format| field(registry, format))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rendered.join(", "))
}

/// Positional fields, named by their index (`0`, `1`, ...) in error messages.
fn positional(formats: &[Format]) -> Vec<Named<Format>> {
    formats
        .iter()
        .enumerate()
        .map(|(index, format)| Named {
            name: index.to_string(),
            value: format.clone(),
        })
        .collect()
}

fn sum(
    registry: &Registry,
    name: &str,
    variants: &BTreeMap<u32, Named<VariantFormat>>,
) -> Result<String, SchemaError> {
    if name == "Result" {
        return Err(SchemaError(
            "Result is refused: its Ok is tag 0, which is Haskell's Left; use either::Either"
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
    let rendered = variants
        .values()
        .map(|variant| {
            let owner = format!("{name}::{}", variant.name);
            let fields = match &variant.value {
                VariantFormat::Unit => product(registry, &owner, &[])?,
                VariantFormat::NewType(format) => product(
                    registry,
                    &owner,
                    &positional(std::slice::from_ref(format.as_ref())),
                )?,
                VariantFormat::Tuple(formats) => product(registry, &owner, &positional(formats))?,
                VariantFormat::Struct(fields) => product(registry, &owner, fields)?,
                VariantFormat::Variable(_) => {
                    return Err(SchemaError(format!(
                        "{name}::{} was not traced",
                        variant.name
                    )));
                }
            };
            Ok(format!("{} {fields}", variant.name))
        })
        .collect::<Result<Vec<_>, SchemaError>>()?;
    Ok(rendered.join(" | "))
}

/// Why the wire cannot carry `format`, if it cannot: the serde shapes whose encodings
/// disagree with `store`'s, and tuples other than pairs (the Haskell side has a
/// `WireSchema` instance for pairs only). Checked for every field, and by the code
/// generator before it writes anything.
pub(crate) fn refusal(format: &Format) -> Option<&'static str> {
    Some(match format {
        Format::Bool => {
            "bool is refused: serde_store reads any non-zero byte as true; use WireBool"
        }
        Format::Char => "char is refused: serde_store writes UTF-8, store a u32; use WireChar",
        Format::Str => {
            "String is refused: use WireText (store's Text layout depends on the text version)"
        }
        Format::Bytes => "serde byte buffers are refused: use Vec<u8>, which reads safely",
        Format::Map { .. } => "maps are not part of the wire format",
        Format::I128 | Format::U128 => "128-bit integers: serde_store cannot encode them",
        Format::TupleArray { .. } => "fixed-size arrays have no store twin; use Vec",
        Format::Tuple(formats) if formats.len() != 2 => {
            "only pairs cross as tuples; use a struct for more fields"
        }
        Format::Variable(_) => "a format was not traced",
        _ => return None,
    })
}

/// Renders one field's format.
fn field(registry: &Registry, format: &Format) -> Result<String, SchemaError> {
    if let Some(why) = refusal(format) {
        return Err(SchemaError(why.to_owned()));
    }
    Ok(match format {
        Format::Unit => "UNIT".to_owned(),
        Format::U8 => "U8".to_owned(),
        Format::U16 => "U16".to_owned(),
        Format::U32 => "U32".to_owned(),
        Format::U64 => "U64".to_owned(),
        Format::I8 => "I8".to_owned(),
        Format::I16 => "I16".to_owned(),
        Format::I32 => "I32".to_owned(),
        Format::I64 => "I64".to_owned(),
        Format::F32 => "F32".to_owned(),
        Format::F64 => "F64".to_owned(),
        Format::Option(inner) => format!("OPTION({})", field(registry, inner)?),
        Format::Seq(inner) => format!("SEQ({})", field(registry, inner)?),
        Format::Tuple(formats) => format!("TUPLE({})", fields(registry, formats)?),
        Format::TypeName(name) => match reference(registry, name)? {
            Reference::Bool => "BOOL".to_owned(),
            Reference::Char => "CHAR".to_owned(),
            Reference::Text => "TEXT".to_owned(),
            Reference::Either(left, right) => format!(
                "EITHER({}, {})",
                field(registry, left)?,
                field(registry, right)?
            ),
            Reference::Type(name) => name.to_owned(),
        },
        _ => unreachable!("refusal() covers every other format"),
    })
}

/// What a type name in a format stands for.
pub(crate) enum Reference<'a> {
    /// [`crate::wire::WireBool`].
    Bool,
    /// [`crate::wire::WireChar`].
    Char,
    /// [`crate::wire::WireText`].
    Text,
    /// `either::Either`, with the formats of its two sides.
    Either(&'a Format, &'a Format),
    /// A named type of the protocol, declared on its own line.
    Type(&'a str),
}

/// Resolves a type name: the leaf types (whose serde names the wire module defines)
/// are checked to have their expected shape, and every other name is a protocol type.
pub(crate) fn reference<'a>(
    registry: &'a Registry,
    name: &'a str,
) -> Result<Reference<'a>, SchemaError> {
    let container = registry
        .get(name)
        .ok_or_else(|| SchemaError(format!("{name} is not in the registry")))?;
    let newtype_of = |format: &Format| matches!(container, ContainerFormat::NewTypeStruct(inner) if **inner == *format);
    let resolved = match name {
        BOOL_NAME if newtype_of(&Format::U8) => Some(Reference::Bool),
        CHAR_NAME if newtype_of(&Format::U32) => Some(Reference::Char),
        TEXT_NAME if newtype_of(&Format::Seq(Box::new(Format::U8))) => Some(Reference::Text),
        EITHER_NAME => match container {
            ContainerFormat::Enum(variants) if variants.len() == 2 => {
                match (
                    variants.get(&0).map(|v| &v.value),
                    variants.get(&1).map(|v| &v.value),
                ) {
                    (Some(VariantFormat::NewType(left)), Some(VariantFormat::NewType(right))) => {
                        Some(Reference::Either(left, right))
                    }
                    _ => None,
                }
            }
            _ => None,
        },
        BOOL_NAME | CHAR_NAME | TEXT_NAME => None,
        _ => Some(Reference::Type(name)),
    };
    resolved.ok_or_else(|| SchemaError(format!("{name} is not the expected leaf type")))
}

/// Leaf types that appear inline (`BOOL`, `CHAR`, `TEXT`, `EITHER(..)`), never as a
/// line of their own.
pub(crate) fn is_inlined(name: &str) -> bool {
    [BOOL_NAME, CHAR_NAME, TEXT_NAME, EITHER_NAME].contains(&name)
}

#[cfg(test)]
mod tests {
    // The protocols here are only traced; no engine runs them.
    #![allow(dead_code)]

    use super::*;
    use crate::wire::{WireBool, WireText};
    use serde::{Deserialize, Serialize};

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub enum Shape {
        Dot,
        Line(f64),
        Named { label: WireText, closed: WireBool },
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Draw {
        shapes: Vec<Shape>,
        hint: Option<either::Either<Shape, u8>>,
    }

    #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
    pub struct Clear;

    crate::protocol! {
        /// A protocol whose enums are nested in options, lists and eithers.
        pub struct Sketch;
        /// Calls.
        pub trait SketchCalls {
            /// Draws.
            fn draw(Draw) -> Vec<Shape>;
            /// Clears.
            fn clear(Clear) -> ();
        }
        /// Casts.
        pub trait SketchCasts {
            /// Clears.
            fn clear_later(Clear);
        }
        /// The enums inside the messages.
        enums { Shape, either::Either<Shape, u8> }
    }

    #[test]
    fn more_calls_than_a_tag_can_number_are_refused() {
        struct Huge;
        impl Protocol for Huge {
            const NAME: &'static str = "Huge";
            type Request = ();
            type Reply = ();
            type Cast = ();
            type Event = ();
            type Call = ();
            type Start = ();
            fn answers_later(_: &()) -> bool {
                false
            }
            fn later(_: (), _: crate::later::Responder) {}
            fn describe(describer: &mut Describer) {
                for _ in 0..257 {
                    describer.call::<Clear, ()>();
                }
            }
        }
        let error = schema::<Huge>().unwrap_err().0;
        assert!(error.contains("has 257 calls"), "{error}");
    }

    #[test]
    fn an_unlisted_nested_enum_is_refused_by_name() {
        crate::protocol! {
            /// Forgets to list `Shape`.
            pub struct Forgetful;
            /// Calls.
            pub trait ForgetfulCalls {
                /// Draws.
                fn draw(Draw) -> ();
            }
            /// Casts.
            pub trait ForgetfulCasts {}
        }
        let error = schema::<Forgetful>().unwrap_err().0;
        assert!(error.contains("Either, Shape are nested"), "{error}");
    }

    #[test]
    fn nested_enums_are_traced_and_the_text_is_canonical() {
        let schema = schema::<Sketch>().unwrap();
        assert_eq!(
            schema.text().unwrap(),
            "rs-in-hs wire schema 2\n\
             calls: Draw -> SEQ(Shape), Clear -> UNIT\n\
             casts: Clear\n\
             Clear = {}\n\
             Config = {U32, U32}\n\
             Draw = {SEQ(Shape), OPTION(EITHER(Shape, U8))}\n\
             InitMessage = {SEQ(U8), Config, SEQ(U8)}\n\
             Shape = Dot {} | Line {F64} | Named {TEXT, BOOL}\n"
        );
        assert_eq!(schema.fingerprint().unwrap().len(), 32);
    }

    #[test]
    fn events_are_a_line_of_their_own_in_tag_order() {
        crate::protocol! {
            /// Sketch, with events.
            pub struct Noisy;
            /// Calls.
            pub trait NoisyCalls {
                /// Clears.
                fn clear(Clear) -> ();
            }
            /// Casts.
            pub trait NoisyCasts {}
            /// Events.
            pub trait NoisyEvents {
                /// Drew.
                fn drew(Draw);
                /// Cleared.
                fn cleared(Clear);
            }
            /// The enums inside the messages.
            enums { Shape, either::Either<Shape, u8> }
        }
        let noisy = schema::<Noisy>().unwrap();
        assert_eq!(noisy.events_trait, Some("NoisyEvents"));
        let methods: Vec<_> = noisy.events.iter().map(|event| event.method).collect();
        assert_eq!(methods, ["drew", "cleared"]);
        let text = noisy.text().unwrap();
        assert!(
            text.starts_with(
                "rs-in-hs wire schema 2\ncalls: Clear -> UNIT\ncasts: \nevents: Draw, Clear\nClear = {}\n"
            ),
            "{text}"
        );
        // Without events the line is left out, so such protocols keep their text.
        let sketch = schema::<Sketch>().unwrap();
        assert!(!sketch.text().unwrap().contains("events:"));
    }

    /// Renders a protocol with one call whose request is `T`.
    fn refusal<T: DeserializeOwned>() -> String {
        let roots: [TraceFn; 1] = [trace_root::<T>];
        let (registry, _) = trace(&roots, &[]).unwrap();
        definitions(&registry).unwrap_err().0
    }

    #[test]
    fn disagreeing_shapes_are_refused_with_the_type_and_field() {
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct Named {
            name: String,
        }
        #[derive(Deserialize)]
        #[allow(dead_code)]
        enum Lonely {
            Only(u8),
        }
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct Flags(u8, bool);
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct Wide {
            big: u128,
        }
        assert!(refusal::<Named>().starts_with("Named.name: String is refused"));
        assert!(refusal::<Lonely>().contains("enum Lonely has 1 variants"));
        assert!(refusal::<Flags>().starts_with("Flags.1: bool is refused"));
        assert!(refusal::<Wide>().starts_with("Wide.big: 128-bit"));
        assert!(refusal::<Result<u8, u16>>().contains("Result is refused"));
    }

    #[test]
    fn requests_must_be_named_types_and_names_not_the_bridges() {
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub struct Config(u8);
        mod raw {
            #![allow(non_camel_case_types)]
            crate::protocol! {
                /// A call whose request is a bare number.
                pub struct Raw;
                /// Calls.
                pub trait RawCalls {
                    /// Counts.
                    fn count(u64) -> u64;
                }
                /// Casts.
                pub trait RawCasts {}
            }
        }
        crate::protocol! {
            /// A protocol that reuses the bridge's name.
            pub struct Clash;
            /// Calls.
            pub trait ClashCalls {
                /// Configures.
                fn configure(Config) -> ();
            }
            /// Casts.
            pub trait ClashCasts {}
        }
        let raw = schema::<raw::Raw>().unwrap_err().0;
        assert!(raw.contains("a request must be a named type"), "{raw}");
        let clash = schema::<Clash>().unwrap_err().0;
        assert!(clash.contains("Config is the bridge's own"), "{clash}");
    }
}
