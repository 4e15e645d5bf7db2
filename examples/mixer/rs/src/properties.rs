//! Property tests: random values of every wire type round-trip through
//! `serde_store` (proptest; the strategies are derived from the types, so a new
//! constructor or field is covered without editing this file), and the leaf
//! decoders accept exactly the valid inputs.

use proptest::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::leaves::{WireChar, WireText};
use super::messages::*;
use super::{decode_exact, encode};

/// Cases per property.
const CASES: u32 = 1000;

/// `Either` has no `Arbitrary` of its own.
pub fn outcome() -> impl Strategy<Value = PresetOutcome> {
    prop_oneof![
        any::<PresetError>().prop_map(Either::Left),
        any::<PresetSummary>().prop_map(Either::Right),
    ]
}

/// Encode, decode and encode again give the same bytes, and (for values without a
/// NaN, which is not equal to itself) the same value.
fn round_trips<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let bytes = encode(value).map_err(|s| TestCaseError::fail(s.to_string()))?;
    let decoded: T = decode_exact(&bytes).map_err(|s| TestCaseError::fail(s.to_string()))?;
    prop_assert_eq!(encode(&decoded).unwrap(), bytes);
    #[allow(clippy::eq_op)] // NaN is the one value not equal to itself
    let has_nan = value != value;
    prop_assert!(has_nan || &decoded == value);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn message_body_round_trips(message in any::<MessageBody>()) {
        round_trips(&message)?;
    }

    #[test]
    fn loopback_frame_round_trips(frame in any::<LoopbackFrame>()) {
        round_trips(&frame)?;
    }

    #[test]
    fn init_message_round_trips(fingerprint in proptest::collection::vec(any::<u8>(), 32), max in any::<u32>()) {
        round_trips(&InitMessage { schema_fingerprint: fingerprint, config: Config { max_msg_len: max } })?;
    }

    #[test]
    fn a_code_point_decodes_iff_it_is_a_char(
        code in prop_oneof![0u32..0x11_0000, 0xd800u32..0xe000, any::<u32>()]
    ) {
        let decoded = decode_exact::<WireChar>(&code.to_le_bytes());
        prop_assert_eq!(decoded.ok(), char::from_u32(code).map(WireChar));
    }

    #[test]
    fn text_decodes_iff_it_is_utf8(bytes in proptest::collection::vec(any::<u8>(), 0..16)) {
        let decoded = decode_exact::<WireText>(&encode(&bytes).unwrap());
        prop_assert_eq!(decoded.ok(), String::from_utf8(bytes).ok().map(WireText));
    }

    #[test]
    fn text_round_trips(text in any::<WireText>()) {
        round_trips(&text)?;
    }
}
