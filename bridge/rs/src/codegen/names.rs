//! The Haskell names a generated module may hold: the names it imports, the reserved
//! words, the record of names taken so far, and how Rust names map to Haskell's.

use std::collections::BTreeMap;

use crate::schema::{RESERVED, SchemaError};

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
    ReplyWaitImport ReleaseImport FingerprintImport InFlightImport ParallelismImport CountersImport \
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

/// The Haskell names taken so far, each with a description of its owner.
#[derive(Default)]
pub(super) struct Names {
    types: BTreeMap<String, String>,
    constructors: BTreeMap<String, String>,
    fields: BTreeMap<String, String>,
}

impl Names {
    /// Takes the type name `name` for `owner`.
    pub(super) fn add_type(&mut self, name: &str, owner: &str) -> Result<(), SchemaError> {
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
    pub(super) fn add_constructor(&mut self, name: &str, owner: &str) -> Result<(), SchemaError> {
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
    pub(super) fn add_field(&mut self, name: &str, owner: &str) -> Result<(), SchemaError> {
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
pub(super) fn is_module_name(name: &str) -> bool {
    name.split('.').all(is_constructor_name)
}

/// A capital letter, then letters, digits and underscores.
fn is_constructor_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(char::is_uppercase) && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// `ChannelInfo` -> `channelInfo`.
pub(super) fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|first| first.to_lowercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `gain_db` -> `GainDb`: each `_`-separated part capitalised, the underscores dropped.
pub(super) fn upper_camel(name: &str) -> String {
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
