//! The wire schema's fingerprint: what `h2r_init` compares with Haskell's.
//!
//! `serde-reflection` traces the protocol's types (from their serde derives, so an
//! edited type changes the trace without anyone bumping a number) into a registry of
//! formats. [`text`] renders that registry as canonical schema text: one line per
//! named type, sorted by name, listing constructor names, constructor order and
//! field types (not field names, which are not on the wire). Haskell renders the same
//! text from `GHC.Generics` (`hs/src/Schema.hs`); the fingerprint is the text's
//! SHA-256. `fixtures/wire/schema.txt` holds the current text, checked by both sides.
//!
//! The renderer also refuses the shapes whose encodings disagree with Haskell's
//! `store` (see ARCHITECTURE.md, "Wire format"), so they cannot enter the protocol:
//! raw `bool` (use `WireBool`), raw `char` (use `WireChar`), `String`/`&str`, serde
//! byte buffers, maps, 128-bit integers, fixed arrays, `Result`, enums with one
//! variant or more than 255.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_reflection::{
    ContainerFormat, Format, Named, Registry, Samples, Tracer, TracerConfig, VariantFormat,
};
use sha2::{Digest, Sha256};

use super::leaves::{BOOL_NAME, CHAR_NAME, TEXT_NAME};
use super::messages::{Curve, InitMessage, MessageBody, PresetError, PresetOutcome};

/// The first line of the canonical text; bump it only if the rendering changes.
pub const HEADER: &str = "rs-in-hs wire schema 1";

/// Why the protocol's types could not be rendered as a schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaError(pub String);

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wire schema: {}", self.0)
    }
}

impl std::error::Error for SchemaError {}

/// The schema text and its fingerprint, computed once.
static SCHEMA: LazyLock<Result<(String, [u8; 32]), SchemaError>> = LazyLock::new(|| {
    let text = render(&trace()?)?;
    let fingerprint = Sha256::digest(text.as_bytes()).into();
    Ok((text, fingerprint))
});

/// The canonical schema text of the protocol.
pub fn text() -> Result<&'static str, SchemaError> {
    SCHEMA
        .as_ref()
        .map(|(text, _)| text.as_str())
        .map_err(Clone::clone)
}

/// The SHA-256 of [`text`]: what `h2r_init` compares with Haskell's.
pub fn fingerprint() -> Result<[u8; 32], SchemaError> {
    SCHEMA
        .as_ref()
        .map(|(_, fingerprint)| *fingerprint)
        .map_err(Clone::clone)
}

/// Traces the protocol's roots, and every enum separately (serde-reflection finds
/// all variants only of the enum it is asked to trace; a forgotten enum makes
/// `registry()` fail with `MissingVariants`, never a silently smaller schema).
fn trace() -> Result<Registry, SchemaError> {
    fn one<'de, T: Deserialize<'de>>(
        tracer: &mut Tracer,
        samples: &'de Samples,
    ) -> Result<(), SchemaError> {
        tracer
            .trace_type::<T>(samples)
            .map(drop)
            .map_err(|e| SchemaError(e.explanation()))
    }
    let samples = Samples::new();
    let mut tracer = Tracer::new(TracerConfig::default());
    one::<InitMessage>(&mut tracer, &samples)?;
    one::<MessageBody>(&mut tracer, &samples)?;
    one::<Curve>(&mut tracer, &samples)?;
    one::<PresetError>(&mut tracer, &samples)?;
    one::<PresetOutcome>(&mut tracer, &samples)?;
    tracer.registry().map_err(|e| SchemaError(e.explanation()))
}

/// Renders a registry as canonical text (see the module docs).
fn render(registry: &Registry) -> Result<String, SchemaError> {
    let mut text = format!("{HEADER}\n");
    for (name, container) in registry {
        if is_inlined(name) {
            continue;
        }
        let body = match container {
            ContainerFormat::UnitStruct => product(registry, &[])?,
            ContainerFormat::NewTypeStruct(format) => {
                product(registry, std::slice::from_ref(format.as_ref()))?
            }
            ContainerFormat::TupleStruct(formats) => product(registry, formats)?,
            ContainerFormat::Struct(fields) => product(registry, &unnamed(fields))?,
            ContainerFormat::Enum(variants) => sum(registry, name, variants)?,
        };
        text.push_str(&format!("{name} = {body}\n"));
    }
    Ok(text)
}

/// Leaf types that appear inline (`BOOL`, `CHAR`, `TEXT`, `EITHER(..)`), never as a
/// line.
fn is_inlined(name: &str) -> bool {
    [BOOL_NAME, CHAR_NAME, TEXT_NAME, "Either"].contains(&name)
}

/// A product's fields: `{A, B}`.
fn product(registry: &Registry, formats: &[Format]) -> Result<String, SchemaError> {
    Ok(format!("{{{}}}", fields(registry, formats)?))
}

/// Formats separated by commas: `A, B`.
fn fields(registry: &Registry, formats: &[Format]) -> Result<String, SchemaError> {
    let rendered = formats
        .iter()
        .map(|format| field(registry, format))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rendered.join(", "))
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
            let fields = match &variant.value {
                VariantFormat::Unit => product(registry, &[])?,
                VariantFormat::NewType(format) => {
                    product(registry, std::slice::from_ref(format.as_ref()))?
                }
                VariantFormat::Tuple(formats) => product(registry, formats)?,
                VariantFormat::Struct(fields) => product(registry, &unnamed(fields))?,
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

fn unnamed(fields: &[Named<Format>]) -> Vec<Format> {
    fields.iter().map(|field| field.value.clone()).collect()
}

/// Renders one field's format.
fn field(registry: &Registry, format: &Format) -> Result<String, SchemaError> {
    let refuse = |why: &str| Err(SchemaError(why.to_owned()));
    Ok(match format {
        Format::Unit => "UNIT".to_owned(),
        Format::Bool => {
            return refuse(
                "bool is refused: serde_store reads any non-zero byte as true; use WireBool",
            );
        }
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
        Format::TypeName(name) => named(registry, name)?,
        Format::Char => {
            return refuse("char is refused: serde_store writes UTF-8, store a u32; use WireChar");
        }
        Format::Str => {
            return refuse(
                "String is refused: use WireText (store's Text layout depends on the text version)",
            );
        }
        Format::Bytes => {
            return refuse("serde byte buffers are refused: use Vec<u8>, which reads safely");
        }
        Format::Map { .. } => return refuse("maps are not part of the wire format"),
        Format::I128 | Format::U128 => {
            return refuse("128-bit integers: serde_store cannot encode them");
        }
        Format::TupleArray { .. } => {
            return refuse("fixed-size arrays have no store twin; use Vec");
        }
        Format::Variable(_) => return refuse("a format was not traced"),
    })
}

/// Renders a reference to a named type, inlining the leaf types.
fn named(registry: &Registry, name: &str) -> Result<String, SchemaError> {
    let container = registry
        .get(name)
        .ok_or_else(|| SchemaError(format!("{name} is not in the registry")))?;
    let unexpected = || SchemaError(format!("{name} is not the expected leaf type"));
    match name {
        BOOL_NAME => match container {
            ContainerFormat::NewTypeStruct(inner) if **inner == Format::U8 => Ok("BOOL".to_owned()),
            _ => Err(unexpected()),
        },
        CHAR_NAME => match container {
            ContainerFormat::NewTypeStruct(inner) if **inner == Format::U32 => {
                Ok("CHAR".to_owned())
            }
            _ => Err(unexpected()),
        },
        TEXT_NAME => match container {
            ContainerFormat::NewTypeStruct(inner)
                if **inner == Format::Seq(Box::new(Format::U8)) =>
            {
                Ok("TEXT".to_owned())
            }
            _ => Err(unexpected()),
        },
        "Either" => match container {
            ContainerFormat::Enum(variants) => match (variants.get(&0), variants.get(&1)) {
                (Some(left), Some(right)) if variants.len() == 2 => {
                    match (&left.value, &right.value) {
                        (VariantFormat::NewType(l), VariantFormat::NewType(r)) => Ok(format!(
                            "EITHER({}, {})",
                            field(registry, l)?,
                            field(registry, r)?
                        )),
                        _ => Err(unexpected()),
                    }
                }
                _ => Err(unexpected()),
            },
            _ => Err(unexpected()),
        },
        _ => Ok(name.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_protocol_renders_and_leaves_are_inlined() {
        let text = text().unwrap();
        assert!(text.starts_with(HEADER));
        assert!(text.contains("\nConfig = {U32}\n"), "{text}");
        assert!(
            text.contains("MessageBody = Ping {} | Pong {} | Echo {U64} |"),
            "{text}"
        );
        assert!(
            text.contains("EITHER(PresetError, PresetSummary)"),
            "{text}"
        );
        assert!(!text.contains("\nChar = "), "{text}");
        assert_eq!(fingerprint().unwrap().len(), 32);
    }

    #[test]
    fn disagreeing_shapes_are_refused() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Bad {
            name: String,
        }
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        enum Lonely {
            Only(u8),
        }
        let render_one = |trace: &dyn Fn(&mut Tracer) -> serde_reflection::Result<()>| {
            let mut tracer = Tracer::new(TracerConfig::default());
            trace(&mut tracer).unwrap();
            render(&tracer.registry().unwrap())
        };
        let bad = render_one(&|t| t.trace_simple_type::<Bad>().map(drop));
        assert!(bad.unwrap_err().0.contains("WireText"));
        let lonely = render_one(&|t| t.trace_simple_type::<Lonely>().map(drop));
        assert!(lonely.unwrap_err().0.contains("1 variants"));
        let result = render_one(&|t| t.trace_simple_type::<Result<u8, u16>>().map(drop));
        assert!(result.unwrap_err().0.contains("Either"));
    }
}
