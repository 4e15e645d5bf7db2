//! The protocol: every type that crosses the boundary, in Rust.
//!
//! Each type has a twin in `hs/src/Types.hs` or `hs/src/Audio.hs` with the same name,
//! the same constructor order and the same field types in the same order (field names
//! may differ; they are not on the wire). `schema` fingerprints these definitions and
//! `h2r_init` refuses a Haskell side whose fingerprint differs.
//!
//! Mapping of shapes (see ARCHITECTURE.md, "Wire format"): `u8`..`u64` = `Word8`..
//! `Word64`, `i8`..`i64` = `Int8`..`Int64`, `f32`/`f64` = `Float`/`Double`, `WireBool` =
//! `Bool`, [`WireChar`] = `Char`, [`WireText`] = `WireText`, [`WireString`] =
//! `String`, `Vec<u8>` = `ByteString`, `Option` = `Maybe`, [`Either`] = `Either`,
//! `Vec` = list, tuples = tuples, structs = single-constructor records, enums with
//! at least two variants = sum types.

pub use either::Either;
use serde::{Deserialize, Serialize};

use super::leaves::{WireBool, WireChar, WireString, WireText};

/// Bridge configuration, encoded by Haskell (`Types.Config`) and decoded by `h2r_init`.
///
/// Haskell is the single source of truth; Rust never invents defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Config {
    /// Longest accepted request, in bytes. Checked by both sides.
    pub max_msg_len: u32,
}

/// What `h2r_init` receives: Haskell's schema fingerprint, then the config.
///
/// The fingerprint comes first and its layout (a `u64` length and 32 bytes) is frozen,
/// so that `h2r_init` can compare it before decoding anything whose layout may differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct InitMessage {
    /// SHA-256 of Haskell's canonical schema text (see `schema`).
    pub schema_fingerprint: Vec<u8>,
    /// The bridge's configuration.
    pub config: Config,
}

/// A mixer channel's number (a newtype on both sides).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct ChannelId(pub u16);

/// A channel's settings, as the engine reports them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct ChannelInfo {
    /// Which channel.
    pub channel: ChannelId,
    /// Its label, at most `engine::MAX_LABEL_CHARS` characters.
    pub label: WireString,
    /// A one-character symbol shown on the channel strip.
    pub glyph: WireChar,
    /// Gain in dB, within `engine::GAIN_RANGE_DB`.
    pub gain_db: f32,
    /// Pan from -100 (left) to 100 (right).
    pub pan: i8,
    /// Whether the channel is muted.
    pub muted: WireBool,
    /// Delay in samples; negative values advance the channel.
    pub delay_samples: i32,
}

/// Peak and RMS level of a channel, in dBFS.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Level {
    /// Peak level; negative infinity for silence or a muted channel.
    pub peak_db: f32,
    /// RMS level; negative infinity for silence or a muted channel.
    pub rms_db: f64,
}

/// One channel's meter: a record nested in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct MeterReading {
    /// Which channel.
    pub channel: ChannelId,
    /// Its level after gain and mute.
    pub level: Level,
    /// Whether the peak is above 0 dBFS.
    pub clipped: WireBool,
}

/// The shape of an automation ramp.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub enum Curve {
    /// Jump to each point's value.
    Step,
    /// Straight lines between points.
    Linear,
    /// Exponential segments with this finite steepness.
    Exponential(f64),
}

/// A gain automation lane for one channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Automation {
    /// Which channel.
    pub channel: ChannelId,
    /// Transport frame the first point is relative to.
    pub start_frame: u64,
    /// `(frame offset, gain in dB)` pairs; offsets must increase strictly.
    pub points: Vec<(u32, f32)>,
    /// How to move between points.
    pub curve: Curve,
}

/// Why a preset could not be loaded or saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub enum PresetError {
    /// No preset has this name.
    UnknownPreset(WireText),
    /// The name is empty or longer than `engine::MAX_PRESET_NAME_BYTES`.
    InvalidName,
    /// The engine already holds this many presets.
    PresetsFull(u8),
}

/// A preset that was loaded or saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct PresetSummary {
    /// Its name.
    pub name: WireText,
    /// How many channels it sets.
    pub channels: u8,
}

/// The outcome of a preset request.
pub type PresetOutcome = Either<PresetError, PresetSummary>;

/// One field of every shape the wire carries; `Loopback` sends it back unchanged, so
/// tests can round-trip random values through both encoders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct LoopbackFrame {
    /// `Word8`.
    pub byte: u8,
    /// `Word16`.
    pub word16: u16,
    /// `Word32`.
    pub word32: u32,
    /// `Word64`.
    pub word64: u64,
    /// `Int8`.
    pub int8: i8,
    /// `Int16`.
    pub int16: i16,
    /// `Int32`.
    pub int32: i32,
    /// `Int64`.
    pub int64: i64,
    /// `Float`.
    pub single: f32,
    /// `Double`.
    pub double: f64,
    /// `Bool`.
    pub flag: WireBool,
    /// `Char`.
    pub glyph: WireChar,
    /// `WireText`.
    pub text: WireText,
    /// `String`.
    pub string: WireString,
    /// `ByteString`.
    pub bytes: Vec<u8>,
    /// `Maybe`.
    pub maybe: Option<ChannelId>,
    /// `Either`.
    #[cfg_attr(test, proptest(strategy = "super::properties::outcome()"))]
    pub outcome: PresetOutcome,
    /// A list of nested records.
    pub meters: Vec<MeterReading>,
    /// A tuple.
    pub pair: (u32, f32),
    /// An enum with a payload.
    pub curve: Curve,
}

/// The demo engine's messages, used both as requests and as replies.
///
/// Keep the order in step with `Types.MessageBody`: the index is the wire tag. New
/// constructors go at the end, so existing tags never move.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
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
    /// Sets a channel's gain in dB (clamped; a non-finite gain changes nothing).
    /// Answered by [`MessageBody::Channel`].
    SetGain(ChannelId, f32),
    /// Mutes or unmutes a channel. Answered by [`MessageBody::Channel`].
    SetMute(ChannelId, WireBool),
    /// Sets a channel's pan (clamped to -100..=100). Answered by [`MessageBody::Channel`].
    SetPan(ChannelId, i8),
    /// Sets a channel's delay in samples (clamped). Answered by [`MessageBody::Channel`].
    SetDelay(ChannelId, i32),
    /// Sets a channel's label (truncated) and glyph. Answered by [`MessageBody::Channel`].
    SetLabel(ChannelId, WireString, WireChar),
    /// Asks for a channel's settings. Answered by [`MessageBody::Channel`].
    GetChannel(ChannelId),
    /// A channel's settings, or `None` for a channel that does not exist.
    Channel(Option<ChannelInfo>),
    /// Writes 16-bit little-endian mono samples to a channel's input (a trailing odd
    /// byte is ignored). Answered by [`MessageBody::SamplesWritten`], or
    /// `Channel(None)` for a channel that does not exist.
    WriteSamples(ChannelId, Vec<u8>),
    /// The reply to [`MessageBody::WriteSamples`]: frames written and their peak.
    SamplesWritten(u32, i16),
    /// Asks for every channel's meter. Answered by [`MessageBody::Meters`].
    QueryMeters,
    /// The reply to [`MessageBody::QueryMeters`], one reading per channel.
    Meters(Vec<MeterReading>),
    /// Recalls a preset by name. Answered by [`MessageBody::Preset`].
    LoadPreset(WireText),
    /// Saves the current settings under a name. Answered by [`MessageBody::Preset`].
    SavePreset(WireText),
    /// The outcome of a preset request.
    Preset(#[cfg_attr(test, proptest(strategy = "super::properties::outcome()"))] PresetOutcome),
    /// Schedules gain automation; the channel ends at the last point's gain.
    /// Answered by [`MessageBody::Automated`], or `Channel(None)`.
    Automate(Automation),
    /// The reply to [`MessageBody::Automate`]: the channel, how many points were
    /// kept, and the frame of the last one.
    Automated(ChannelId, u32, u64),
    /// Moves the transport by this many frames (not before frame 0). Answered by
    /// [`MessageBody::Position`].
    Seek(i64),
    /// The transport's frame.
    Position(i64),
    /// Answered by itself, after a decode and re-encode on the Rust side.
    Loopback(LoopbackFrame),
}
