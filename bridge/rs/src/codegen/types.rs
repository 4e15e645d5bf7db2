//! The Haskell side of a protocol's types: each named type's declaration, the calls'
//! and casts' messages, the events' sum, and each field's Haskell type.

use std::collections::BTreeMap;

use serde_reflection::{ContainerFormat, Format, Named, Registry, VariantFormat};

use super::names::{Names, lower_first, upper_camel};
use crate::schema::{CallFormat, Reference, Schema, SchemaError, is_inlined, reference, refusal};
use crate::wire::CHAR_NAME;

/// The classes every generated type derives.
const DERIVING: &str = "deriving (Eq, Show, Generic, Store, WireSchema)";
/// The Haskell sum of a protocol's events.
pub(super) struct EventSum {
    /// The sum type's name.
    pub(super) name: String,
    /// Each event's payload type and constructor, in tag order.
    pub(super) events: Vec<(String, String)>,
}

impl EventSum {
    /// The sum's declaration, in the layout ormolu gives it.
    pub(super) fn render(&self, protocol: &str) -> Vec<String> {
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
pub(super) fn events(
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

/// A Haskell type expression.
pub(super) struct HsType {
    pub(super) text: String,
    /// An application (`Maybe x`), which needs parentheses as an argument.
    pub(super) applied: bool,
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
pub(super) struct Declaration {
    pub(super) name: String,
    pub(super) body: Body,
}

/// What a generated type holds.
pub(super) enum Body {
    /// A unit, tuple or newtype struct: one constructor, named like the type.
    Positional(Vec<HsType>),
    /// A struct with named fields: a record, named like the type.
    Record(Vec<RecordField>),
    /// An enum: its variants in tag order, each a constructor with positional fields.
    Sum(Vec<(String, Vec<HsType>)>),
}

pub(super) struct RecordField {
    pub(super) haskell: String,
    pub(super) rust: String,
    pub(super) ty: HsType,
}

impl Declaration {
    /// The declaration's lines in the layout ormolu gives them, with its Haddock.
    pub(super) fn render(&self) -> Vec<String> {
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
pub(super) fn declarations(
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

/// An enum's variants in tag order, each a positional constructor. The enums the
/// wire cannot carry (`Result`, fewer than 2 or more than 255 variants, a variant not
/// traced) never get here: [`haskell`](super::haskell) runs [`Schema::text`] first,
/// which refuses them.
fn variants_of(
    registry: &Registry,
    name: &str,
    variants: &BTreeMap<u32, Named<VariantFormat>>,
) -> Result<Vec<(String, Vec<HsType>)>, SchemaError> {
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
            VariantFormat::Variable(_) => unreachable!("Schema::text refuses an untraced variant"),
        };
        sum.push((variant.name.clone(), types));
    }
    Ok(sum)
}

/// The calls' request and reply types, in tag order. Each request is a declared type
/// and the request of one call only.
pub(super) fn calls(
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
pub(super) fn casts(
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
