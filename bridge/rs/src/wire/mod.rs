//! The wire: what crosses the boundary as `store`-encoded bytes.
//!
//! `serde_store` and Haskell's `store` agree on the bytes: a `u8` constructor tag for
//! sums, fields back to back for products, little-endian numbers, a `u64` length
//! before lists, byte strings and text. Where the two libraries disagree, the leaf
//! types here ([`WireBool`], [`WireChar`], [`WireText`]) fix the encoding, and the
//! schema renderer ([`crate::schema`]) refuses the serde shapes they replace.

mod leaves;

use std::io::Cursor;

pub use either::Either;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub(crate) use leaves::{BOOL_NAME, CHAR_NAME, TEXT_NAME};

/// The serde name of `either::Either`, which crosses as Haskell's `Either`.
pub(crate) const EITHER_NAME: &str = "Either";
pub use leaves::{WireBool, WireChar, WireString, WireText, from_wire_string, wire_string};

use crate::status::Status;

// `store` writes lengths as a Haskell `Int` and `serde_store` as a `u64`: the same
// bytes only where `Int` is 64 bits wide.
#[cfg(not(target_pointer_width = "64"))]
compile_error!("the wire format assumes a 64-bit target (store's lengths are a 64-bit Int)");

/// Bridge configuration, encoded by Haskell (`RustBridge.Config`) and decoded by
/// `h2r_init`. Haskell is its single source of truth; Rust never invents defaults.
/// Public for the bridge's own tests, which start engines as Haskell does; not part
/// of the stable API.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Longest accepted request, in bytes. Checked by both sides.
    pub max_msg_len: u32,
    /// How long, in microseconds, the worker polls the request channel before it
    /// parks after a call whose caller got its reply by polling. 0: never spin.
    /// Haskell sends 0 when the worker's spinning cannot help (one CPU); its
    /// callers' own polling window is theirs to keep.
    pub spin_micros: u32,
}

/// What `h2r_init` receives: Haskell's schema fingerprint, the config, then the
/// engine's start-up message.
///
/// The fingerprint comes first and its layout (a `u64` length and 32 bytes) is frozen,
/// so that `h2r_init` can compare it before decoding anything whose layout may differ.
/// Public for the bridge's own tests, as [`Config`] is; not part of the stable API.
#[doc(hidden)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitMessage {
    /// SHA-256 of Haskell's canonical schema text (see [`crate::schema`]).
    pub schema_fingerprint: Vec<u8>,
    /// The bridge's configuration.
    pub config: Config,
    /// The engine's start-up message, encoded (empty when its protocol declares none:
    /// `()` takes no bytes). `h2r_init` decodes it as the protocol's `Start` type.
    pub start: Vec<u8>,
}

/// Decodes `bytes` as exactly one `T`.
///
/// Refused as `Undecodable`: trailing or missing bytes (a message must be exactly one
/// value, never half-read) and anything `T` does not decode. Every wire type has one
/// encoding per value, so what decodes is exactly what Haskell could have written:
/// the leaf types that `serde_store` would read laxly ([`WireBool`], [`WireChar`])
/// refuse the bytes `store` refuses, and the schema renderer refuses the serde shapes
/// they replace.
pub fn decode_exact<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Status> {
    let (value, consumed) = decode_prefix::<T>(bytes)?;
    if consumed != bytes.len() {
        return Err(Status::Undecodable);
    }
    Ok(value)
}

/// Decodes one `T` from the start of `bytes`; returns it and how many bytes it took.
fn decode_prefix<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, usize), Status> {
    let mut cursor = Cursor::new(bytes);
    let value = T::deserialize(&mut serde_store::deserializer::StoreDeserializer::new(
        &mut cursor,
    ))
    .map_err(|_| Status::Undecodable)?;
    let consumed = usize::try_from(cursor.position()).map_err(|_| Status::Undecodable)?;
    Ok((value, consumed))
}

/// Encodes a value (`EncodeFailed` if serde refuses it).
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, Status> {
    serde_store::to_bytes(value).map_err(|_| Status::EncodeFailed)
}

/// Decodes the bytes given to `h2r_init`: compares the schema fingerprint first
/// (`SchemaMismatch`), then decodes the whole message (`BadConfig`).
pub(crate) fn decode_init(bytes: &[u8], ours: &[u8]) -> Result<(Config, Vec<u8>), Status> {
    let (theirs, _) = decode_prefix::<Vec<u8>>(bytes).map_err(|_| Status::BadConfig)?;
    if theirs != ours {
        return Err(Status::SchemaMismatch);
    }
    decode_exact::<InitMessage>(bytes)
        .map(|init| (init.config, init.start))
        .map_err(|_| Status::BadConfig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_checks_the_fingerprint_before_the_config() {
        let ours = [7u8; 32];
        let init = |fingerprint: &[u8], config: &[u8]| {
            let mut bytes = encode(&fingerprint.to_vec()).unwrap();
            bytes.extend_from_slice(config);
            bytes
        };
        let good_config = [0, 1, 0, 0, 50, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9];
        assert_eq!(
            decode_init(&init(&ours, &good_config), &ours),
            Ok((
                Config {
                    max_msg_len: 256,
                    spin_micros: 50
                },
                vec![9]
            ))
        );
        assert_eq!(
            decode_init(&init(&[8; 32], &[1]), &ours),
            Err(Status::SchemaMismatch)
        );
        assert_eq!(
            decode_init(&init(&ours, &[1]), &ours),
            Err(Status::BadConfig)
        );
        assert_eq!(decode_init(&good_config, &ours), Err(Status::BadConfig));
    }

    #[test]
    fn config_is_two_little_endian_word32s() {
        let cfg: Config = decode_exact(&[0x00, 0x01, 0x00, 0x00, 0x32, 0, 0, 0]).unwrap();
        assert_eq!((cfg.max_msg_len, cfg.spin_micros), (256, 50));
    }

    #[test]
    fn trailing_and_missing_bytes_are_refused() {
        assert_eq!(
            decode_exact::<(u8, u8)>(&[0, 0, 0]),
            Err(Status::Undecodable)
        );
        assert_eq!(decode_exact::<(u8, u8)>(&[0]), Err(Status::Undecodable));
        assert_eq!(decode_exact::<u8>(&[]), Err(Status::Undecodable));
        assert_eq!(
            decode_exact::<either::Either<u8, u8>>(&[2, 0]),
            Err(Status::Undecodable)
        );
    }
}
