//! Wire types: what crosses the boundary as `store`-encoded bytes.
//!
//! - `messages`: the protocol's types, each the twin of a Haskell type.
//! - `leaves`: the leaf types whose encoding we define ourselves (`Bool`, `Char`,
//!   text).
//! - `schema`: the schema fingerprint both sides compare at init.
//!
//! `serde_store` and Haskell's `store` then agree on the bytes: a `u8` constructor
//! tag for sums, fields back to back for products, little-endian numbers, a `u64`
//! length before lists, byte strings and text. ARCHITECTURE.md ("Wire format") lists
//! where the two libraries disagree and how each case is fixed or refused.

pub mod leaves;
pub mod messages;
#[cfg(test)]
mod properties;
pub mod schema;

use std::io::Cursor;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use leaves::{WireBool, WireChar, WireString, WireText, from_wire_string, wire_string};
pub use messages::*;

use crate::status::Status;

// `store` writes lengths as a Haskell `Int` and `serde_store` as a `u64`: the same
// bytes only where `Int` is 64 bits wide.
#[cfg(not(target_pointer_width = "64"))]
compile_error!("the wire format assumes a 64-bit target (store's lengths are a 64-bit Int)");

/// Decodes `bytes` as exactly one `T`.
///
/// Refused as `Undecodable`: trailing or missing bytes (a message must be exactly one
/// value, never half-read) and anything `T` does not decode. Every wire type has one
/// encoding per value, so what decodes is exactly what Haskell could have written:
/// the leaf types that `serde_store` would read laxly ([`WireBool`], [`WireChar`])
/// refuse the bytes `store` refuses, and `schema` refuses the serde shapes they
/// replace. The `decode` fuzz target checks this by re-encoding whatever decodes.
pub fn decode_exact<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Status> {
    let (value, consumed) = decode_prefix::<T>(bytes)?;
    if consumed != bytes.len() {
        return Err(Status::Undecodable);
    }
    Ok(value)
}

/// Decodes one `T` from the start of `bytes`; returns it and how many bytes it took.
pub fn decode_prefix<T: DeserializeOwned>(bytes: &[u8]) -> Result<(T, usize), Status> {
    let mut cursor = Cursor::new(bytes);
    let value = T::deserialize(&mut serde_store::deserializer::StoreDeserializer::new(
        &mut cursor,
    ))
    .map_err(|_| Status::Undecodable)?;
    let consumed = usize::try_from(cursor.position()).map_err(|_| Status::Undecodable)?;
    Ok((value, consumed))
}

/// Encodes a value.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, Status> {
    serde_store::to_bytes(value).map_err(|_| Status::EncodeFailed)
}

/// Decodes the bytes given to `h2r_init`: compares the schema fingerprint first
/// (`SchemaMismatch`), then decodes the whole message (`BadConfig`).
pub fn decode_init(bytes: &[u8], ours: &[u8]) -> Result<Config, Status> {
    let (theirs, _) = decode_prefix::<Vec<u8>>(bytes).map_err(|_| Status::BadConfig)?;
    if theirs != ours {
        return Err(Status::SchemaMismatch);
    }
    decode_exact::<InitMessage>(bytes)
        .map(|init| init.config)
        .map_err(|_| Status::BadConfig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_constructor_order() {
        assert_eq!(encode(&MessageBody::Ping).unwrap(), [0]);
        assert_eq!(encode(&MessageBody::Pong).unwrap(), [1]);
        assert_eq!(
            encode(&MessageBody::Echo(0x0102)).unwrap(),
            [2, 2, 1, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn a_non_canonical_bool_is_refused() {
        let set_mute = |flag: u8| [9, 3, 0, flag];
        assert_eq!(
            decode_exact::<MessageBody>(&set_mute(1)),
            Ok(MessageBody::SetMute(ChannelId(3), WireBool(true)))
        );
        assert_eq!(
            decode_exact::<MessageBody>(&set_mute(2)),
            Err(Status::Undecodable)
        );
    }

    #[test]
    fn init_checks_the_fingerprint_before_the_config() {
        let ours = [7u8; 32];
        let init = |fingerprint: &[u8], config: &[u8]| {
            let mut bytes = encode(&fingerprint.to_vec()).unwrap();
            bytes.extend_from_slice(config);
            bytes
        };
        let good_config = [0, 1, 0, 0];
        assert_eq!(
            decode_init(&init(&ours, &good_config), &ours),
            Ok(Config { max_msg_len: 256 })
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
    fn config_is_a_bare_little_endian_word32() {
        let cfg: Config = decode_exact(&[0x00, 0x01, 0x00, 0x00]).unwrap();
        assert_eq!(cfg.max_msg_len, 256);
    }

    #[test]
    fn trailing_and_missing_bytes_are_refused() {
        assert_eq!(
            decode_exact::<MessageBody>(&[0, 0]),
            Err(Status::Undecodable)
        );
        assert_eq!(decode_exact::<MessageBody>(&[]), Err(Status::Undecodable));
        assert_eq!(
            decode_exact::<MessageBody>(&[2, 1]),
            Err(Status::Undecodable)
        );
        assert_eq!(
            decode_exact::<MessageBody>(&[200]),
            Err(Status::Undecodable)
        );
    }
}
