//! Leaf types whose serde encoding we define ourselves, because `serde_store`'s
//! default disagrees with Haskell's `store` or is unsafe on hostile input.
//!
//! - [`WireBool`]: Haskell's `Bool` is one byte, 0 or 1, and `store` refuses any
//!   other; `serde_store` reads every non-zero byte as `true`, so without this two
//!   different messages would decode to the same value.
//! - [`WireChar`]: Haskell's `Char` is a 4-byte little-endian code point in `store`;
//!   `serde_store` writes a Rust `char` as a length-prefixed UTF-8 string.
//! - [`WireText`]: the twin of Haskell's `WireText`, a length-prefixed UTF-8 string.
//!   Rust's own `String` has the same bytes, but `serde_store` allocates the claimed
//!   length before reading it, so a hostile length prefix could abort the process on
//!   allocation failure. `WireText` reads the bytes as a sequence instead (serde caps
//!   the pre-allocation), then checks the UTF-8.
//!
//! All three serialize as a newtype struct, which `serde_store` writes transparently and
//! which gives the schema tracer (`schema`) a name to recognise them by.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// A truth value that crosses as Haskell's `Bool`: one byte, 0 or 1.
///
/// Decoding refuses any other byte, as Haskell's `store` does. With it every wire
/// value has exactly one encoding, so Rust accepts exactly the bytes Haskell could
/// have written.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WireBool(pub bool);

/// Shows the bool alone (`true`), as a plain `bool` would.
impl fmt::Debug for WireBool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// The serde name of [`WireBool`]; `schema` renders it as `BOOL`.
pub(crate) const BOOL_NAME: &str = "Bool";

impl Serialize for WireBool {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(BOOL_NAME, &u8::from(self.0))
    }
}

impl<'de> Deserialize<'de> for WireBool {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        checked_newtype(
            deserializer,
            BOOL_NAME,
            "a bool as the byte 0 or 1",
            |byte: u8| match byte {
                0 => Ok(WireBool(false)),
                1 => Ok(WireBool(true)),
                _ => Err(format!("{byte} is not a bool (0 or 1)")),
            },
        )
    }
}

/// A Unicode scalar value that crosses as Haskell's `Char`: a `u32` code point.
///
/// Decoding refuses surrogates and values above `U+10FFFF` (Haskell's `store` would
/// accept them; a Rust `char` cannot hold them).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WireChar(pub char);

/// Shows the character alone (`'é'`), so a [`WireString`] reads as a list of chars.
impl fmt::Debug for WireChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// The serde name of [`WireChar`]; `schema` renders it as `CHAR`.
pub(crate) const CHAR_NAME: &str = "Char";

impl Serialize for WireChar {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(CHAR_NAME, &u32::from(self.0))
    }
}

impl<'de> Deserialize<'de> for WireChar {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        checked_newtype(
            deserializer,
            CHAR_NAME,
            "a Unicode scalar value as a u32",
            |code: u32| {
                char::from_u32(code)
                    .map(WireChar)
                    .ok_or_else(|| format!("{code:#x} is not a Unicode scalar value"))
            },
        )
    }
}

/// Text that crosses as length-prefixed UTF-8: the twin of Haskell's `WireText`.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WireText(pub String);

/// The serde name of [`WireText`]; `schema` renders it as `TEXT`.
pub(crate) const TEXT_NAME: &str = "WireText";

impl From<&str> for WireText {
    fn from(text: &str) -> Self {
        WireText(text.to_owned())
    }
}

impl Serialize for WireText {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A byte sequence: the same bytes as a serde string in serde_store, and the
        // same format as the sequence `deserialize` reads.
        serializer.serialize_newtype_struct(TEXT_NAME, self.0.as_bytes())
    }
}

impl<'de> Deserialize<'de> for WireText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Vec<u8> reads a sequence and caps its pre-allocation (serde's
        // `size_hint::cautious`), so a lying length prefix fails at the end of the
        // input instead of allocating what it claims.
        checked_newtype(
            deserializer,
            TEXT_NAME,
            "length-prefixed UTF-8",
            |bytes: Vec<u8>| {
                String::from_utf8(bytes)
                    .map(WireText)
                    .map_err(|e| format!("invalid UTF-8: {e}"))
            },
        )
    }
}

/// Deserializes the newtype struct `name` around a `Raw` value and turns that into a
/// `T` with `check`, whose error refuses the input. Every leaf type here decodes so:
/// the name lets `schema` recognise it, `check` holds it to what `store` accepts.
fn checked_newtype<'de, D, Raw, T>(
    deserializer: D,
    name: &'static str,
    expecting: &'static str,
    check: fn(Raw) -> Result<T, String>,
) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    Raw: Deserialize<'de>,
{
    struct Checked<Raw, T> {
        expecting: &'static str,
        check: fn(Raw) -> Result<T, String>,
    }
    impl<'de, Raw: Deserialize<'de>, T> Visitor<'de> for Checked<Raw, T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.expecting)
        }
        fn visit_newtype_struct<E: Deserializer<'de>>(self, inner: E) -> Result<T, E::Error> {
            (self.check)(Raw::deserialize(inner)?).map_err(de::Error::custom)
        }
    }
    deserializer.deserialize_newtype_struct(name, Checked { expecting, check })
}

/// A Haskell `String` (`[Char]`): a `u64` count, then one [`WireChar`] per character.
pub type WireString = Vec<WireChar>;

/// Converts text to its [`WireString`] form.
pub fn wire_string(text: &str) -> WireString {
    text.chars().map(WireChar).collect()
}

/// Converts a [`WireString`] back to text.
pub fn from_wire_string(chars: &[WireChar]) -> String {
    chars.iter().map(|c| c.0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{decode_exact, encode};

    #[test]
    fn bool_is_one_strict_byte() {
        assert_eq!(encode(&WireBool(true)).unwrap(), [1]);
        assert_eq!(decode_exact::<WireBool>(&[0]), Ok(WireBool(false)));
        assert!(decode_exact::<WireBool>(&[2]).is_err());
    }

    #[test]
    fn char_is_a_little_endian_code_point() {
        assert_eq!(encode(&WireChar('é')).unwrap(), [0xe9, 0, 0, 0]);
        assert_eq!(
            decode_exact::<WireChar>(&[0x00, 0xf6, 0x01, 0]),
            Ok(WireChar('😀'))
        );
        // A surrogate and a value past U+10FFFF are refused.
        assert!(decode_exact::<WireChar>(&[0x00, 0xd8, 0, 0]).is_err());
        assert!(decode_exact::<WireChar>(&[0x00, 0x00, 0x11, 0]).is_err());
    }

    #[test]
    fn text_is_length_prefixed_utf8() {
        assert_eq!(
            encode(&WireText::from("hé")).unwrap(),
            [3, 0, 0, 0, 0, 0, 0, 0, b'h', 0xc3, 0xa9]
        );
        // Invalid UTF-8, and a length that claims far more than the input holds.
        assert!(decode_exact::<WireText>(&[1, 0, 0, 0, 0, 0, 0, 0, 0xff]).is_err());
        assert!(decode_exact::<WireText>(&[0xff; 9]).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

        #[test]
        fn a_code_point_decodes_iff_it_is_a_char(
            code in proptest::prop_oneof![0u32..0x11_0000, 0xd800u32..0xe000, proptest::prelude::any::<u32>()]
        ) {
            let decoded = decode_exact::<WireChar>(&code.to_le_bytes());
            proptest::prop_assert_eq!(decoded.ok(), char::from_u32(code).map(WireChar));
        }

        #[test]
        fn text_decodes_iff_it_is_utf8(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..16)) {
            let decoded = decode_exact::<WireText>(&encode(&bytes).unwrap());
            proptest::prop_assert_eq!(decoded.ok(), String::from_utf8(bytes).ok().map(WireText));
        }

        #[test]
        fn text_round_trips(text in proptest::prelude::any::<String>()) {
            let bytes = encode(&WireText(text.clone())).unwrap();
            proptest::prop_assert_eq!(decode_exact::<WireText>(&bytes), Ok(WireText(text)));
        }
    }
}
