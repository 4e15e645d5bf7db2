//! Wire types: what crosses the boundary as `store`-encoded bytes.
//!
//! Each type here has a twin in `hs/src/Types.hs` with the same constructor order and
//! field types; `serde_store` and Haskell's `store` (Generic instances) then agree on the
//! bytes: a `u8` constructor tag for sums, fields back to back for products,
//! little-endian integers.

use std::io::Cursor;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::status::Status;

/// Bridge configuration, encoded by Haskell (`Types.Config`) and decoded by `h2r_init`.
///
/// Haskell is the single source of truth; Rust never invents defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Longest accepted request, in bytes. Checked by both sides.
    pub max_msg_len: u32,
}

/// The demo engine's messages, used both as requests and as replies.
///
/// Keep the order in step with `Types.MessageBody`: the index is the wire tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageBody {
    /// Liveness probe; answered by [`MessageBody::Pong`].
    Ping,
    /// The reply to [`MessageBody::Ping`].
    Pong,
    /// Answered by itself: lets callers match replies to requests.
    Echo(u64),
    /// Asks how many casts the engine has handled since init.
    GetCastCount,
    /// The reply to [`MessageBody::GetCastCount`].
    CastCount(u64),
    /// The engine sleeps this many milliseconds (capped), then answers `Pong`.
    /// Lets tests hold the worker busy: timeouts, full channels.
    Sleep(u32),
    /// Fault injection: the engine panics while handling it. The bridge turns the
    /// panic into an error reply; tests use it to prove that.
    InjectPanic,
    /// The reply to a message that is not a request (for example `Pong`).
    Unsupported,
}

/// Decodes `bytes` as a `T` and refuses trailing bytes: a message must be exactly one
/// value, so a truncated or padded one is `Undecodable`, never half-read.
pub fn decode_exact<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Status> {
    let mut cursor = Cursor::new(bytes);
    let value = T::deserialize(&mut serde_store::deserializer::StoreDeserializer::new(
        &mut cursor,
    ))
    .map_err(|_| Status::Undecodable)?;
    let consumed = usize::try_from(cursor.position()).map_err(|_| Status::Undecodable)?;
    if consumed == bytes.len() {
        Ok(value)
    } else {
        Err(Status::Undecodable)
    }
}

/// Encodes a reply.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, Status> {
    serde_store::to_bytes(value).map_err(|_| Status::EncodeFailed)
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
