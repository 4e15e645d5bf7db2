//! Property tests: random requests, replies and casts of the mixer's protocol
//! round-trip through the wire encoding.
//!
//! The message types derive their strategies (proptest-derive), so a new field is
//! covered without editing this file. The bridge's leaf types and `Either` have no
//! `Arbitrary` of their own (they are another crate's types), so the strategies for
//! them are here; the four enums the protocol macro generates are assembled here
//! too, and [`tag_of_request`], [`tag_of_reply`], [`tag_of_cast`] and
//! [`tag_of_event`] match them exhaustively, so a new message does not compile
//! until it is added below.

use proptest::prelude::*;
use rs_in_hs::wire::{WireBool, WireChar, WireString, WireText, decode_exact, encode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::protocol::*;

/// Cases per property.
const CASES: u32 = 1000;

/// Any [`WireBool`].
pub fn wire_bool() -> impl Strategy<Value = WireBool> {
    any::<bool>().prop_map(WireBool)
}

/// Any [`WireChar`].
pub fn wire_char() -> impl Strategy<Value = WireChar> {
    any::<char>().prop_map(WireChar)
}

/// Any [`WireString`] of up to 40 characters (longer than a label may be).
pub fn wire_string() -> impl Strategy<Value = WireString> {
    proptest::collection::vec(wire_char(), 0..40)
}

/// Any [`WireText`].
pub fn wire_text() -> impl Strategy<Value = WireText> {
    any::<String>().prop_map(WireText)
}

/// Any [`PresetOutcome`].
pub fn outcome() -> impl Strategy<Value = PresetOutcome> {
    prop_oneof![
        any::<PresetError>().prop_map(Either::Left),
        any::<PresetSummary>().prop_map(Either::Right),
    ]
}

/// The request's wire tag (its call's position); exhaustive over the calls.
fn tag_of_request(request: &Request) -> u8 {
    match request {
        Request::Ping(_) => 0,
        Request::SetGain(_) => 1,
        Request::SetMute(_) => 2,
        Request::SetPan(_) => 3,
        Request::SetDelay(_) => 4,
        Request::SetLabel(_) => 5,
        Request::GetChannel(_) => 6,
        Request::WriteSamples(_) => 7,
        Request::QueryMeters(_) => 8,
        Request::LoadPreset(_) => 9,
        Request::SavePreset(_) => 10,
        Request::Automate(_) => 11,
        Request::Seek(_) => 12,
        Request::Reset(_) => 13,
        Request::StartAudio(_) => 14,
        Request::Record(_) => 15,
        Request::QueryAudio(_) => 16,
        Request::ImportWav(_) => 17,
        Request::AwaitFrame(_) => 18,
    }
}

/// The reply's wire tag (its call's position); exhaustive over the calls.
fn tag_of_reply(reply: &Reply) -> u8 {
    match reply {
        Reply::Ping(_) => 0,
        Reply::SetGain(_) => 1,
        Reply::SetMute(_) => 2,
        Reply::SetPan(_) => 3,
        Reply::SetDelay(_) => 4,
        Reply::SetLabel(_) => 5,
        Reply::GetChannel(_) => 6,
        Reply::WriteSamples(_) => 7,
        Reply::QueryMeters(_) => 8,
        Reply::LoadPreset(_) => 9,
        Reply::SavePreset(_) => 10,
        Reply::Automate(_) => 11,
        Reply::Seek(_) => 12,
        Reply::Reset(()) => 13,
        Reply::StartAudio(_) => 14,
        Reply::Record(_) => 15,
        Reply::QueryAudio(_) => 16,
        Reply::ImportWav(_) => 17,
        Reply::AwaitFrame(_) => 18,
    }
}

/// The cast's wire tag (its position); exhaustive over the casts.
fn tag_of_cast(cast: &Cast) -> u8 {
    match cast {
        Cast::SetMaster(_) => 0,
        Cast::ResetMeters(_) => 1,
        Cast::Transport(_) => 2,
    }
}

/// The event's wire tag (its position); exhaustive over the events.
fn tag_of_event(event: &Event) -> u8 {
    match event {
        Event::MeterFrame(_) => 0,
        Event::LateBlock(_) => 1,
    }
}

/// Any request, every call equally likely.
fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        any::<Ping>().prop_map(Request::Ping),
        any::<SetGain>().prop_map(Request::SetGain),
        any::<SetMute>().prop_map(Request::SetMute),
        any::<SetPan>().prop_map(Request::SetPan),
        any::<SetDelay>().prop_map(Request::SetDelay),
        any::<SetLabel>().prop_map(Request::SetLabel),
        any::<GetChannel>().prop_map(Request::GetChannel),
        any::<WriteSamples>().prop_map(Request::WriteSamples),
        any::<QueryMeters>().prop_map(Request::QueryMeters),
        any::<LoadPreset>().prop_map(Request::LoadPreset),
        any::<SavePreset>().prop_map(Request::SavePreset),
        any::<Automate>().prop_map(Request::Automate),
        any::<Seek>().prop_map(Request::Seek),
        any::<Reset>().prop_map(Request::Reset),
        any::<StartAudio>().prop_map(Request::StartAudio),
        any::<Record>().prop_map(Request::Record),
        any::<QueryAudio>().prop_map(Request::QueryAudio),
        any::<ImportWav>().prop_map(Request::ImportWav),
        any::<AwaitFrame>().prop_map(Request::AwaitFrame),
    ]
}

/// Any reply, every call equally likely.
fn reply() -> impl Strategy<Value = Reply> {
    let info = || any::<Option<ChannelInfo>>();
    prop_oneof![
        any::<Pong>().prop_map(Reply::Ping),
        info().prop_map(Reply::SetGain),
        info().prop_map(Reply::SetMute),
        info().prop_map(Reply::SetPan),
        info().prop_map(Reply::SetDelay),
        info().prop_map(Reply::SetLabel),
        info().prop_map(Reply::GetChannel),
        any::<Option<SamplesWritten>>().prop_map(Reply::WriteSamples),
        any::<Vec<MeterReading>>().prop_map(Reply::QueryMeters),
        outcome().prop_map(Reply::LoadPreset),
        outcome().prop_map(Reply::SavePreset),
        any::<Option<Automated>>().prop_map(Reply::Automate),
        any::<i64>().prop_map(Reply::Seek),
        Just(Reply::Reset(())),
        any::<AudioStarted>().prop_map(Reply::StartAudio),
        any::<RecordOutcome>().prop_map(Reply::Record),
        any::<AudioFigures>().prop_map(Reply::QueryAudio),
        any::<Option<ImportOutcome>>().prop_map(Reply::ImportWav),
        any::<u64>().prop_map(Reply::AwaitFrame),
    ]
}

/// Any cast, each equally likely.
fn cast() -> impl Strategy<Value = Cast> {
    prop_oneof![
        any::<SetMaster>().prop_map(Cast::SetMaster),
        any::<ResetMeters>().prop_map(Cast::ResetMeters),
        any::<Transport>().prop_map(Cast::Transport),
    ]
}

/// Any event, each equally likely.
fn event() -> impl Strategy<Value = Event> {
    prop_oneof![
        any::<MeterFrame>().prop_map(Event::MeterFrame),
        any::<LateBlock>().prop_map(Event::LateBlock),
    ]
}

/// Encode, decode and encode again give the same bytes, and (for values without a
/// NaN, which is not equal to itself) the same value.
fn round_trips<T>(value: &T) -> Result<Vec<u8>, TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let bytes = encode(value).map_err(|s| TestCaseError::fail(format!("encode: {s:?}")))?;
    let decoded: T =
        decode_exact(&bytes).map_err(|s| TestCaseError::fail(format!("decode: {s:?}")))?;
    prop_assert_eq!(encode(&decoded).unwrap(), bytes.clone());
    #[allow(clippy::eq_op)] // NaN is the one value not equal to itself
    let has_nan = value != value;
    prop_assert!(has_nan || &decoded == value);
    Ok(bytes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn requests_round_trip_behind_their_tag(request in request()) {
        let bytes = round_trips(&request)?;
        prop_assert_eq!(bytes[0], tag_of_request(&request));
    }

    #[test]
    fn replies_round_trip_behind_their_tag(reply in reply()) {
        let bytes = round_trips(&reply)?;
        prop_assert_eq!(bytes[0], tag_of_reply(&reply));
    }

    #[test]
    fn casts_round_trip_behind_their_tag(cast in cast()) {
        let bytes = round_trips(&cast)?;
        prop_assert_eq!(bytes[0], tag_of_cast(&cast));
    }

    #[test]
    fn events_round_trip_behind_their_tag(event in event()) {
        let bytes = round_trips(&event)?;
        prop_assert_eq!(bytes[0], tag_of_event(&event));
    }
}
