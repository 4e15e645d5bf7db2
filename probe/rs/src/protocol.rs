//! The probe protocol: the bridge's own test messages.
//!
//! Each call exercises one behaviour of the bridge: a liveness round trip
//! ([`Ping`]), matching replies to callers ([`Echo`]), a busy worker ([`Sleep`]), a
//! panicking engine ([`InjectPanic`], [`PanicNote`]), cast delivery ([`Note`],
//! [`GetCastCount`]), every shape the wire carries ([`Loopback`] with a
//! [`LoopbackFrame`]) and events ([`EmitTicks`], which makes the engine emit
//! [`Tick`]s and then [`BurstDone`]), and calls answered later through their reply
//! handles ([`SleepLater`], [`EchoLater`], [`HoldLater`], [`DropLater`],
//! [`PanicLater`], with the [`AnswerHeld`] cast, and [`WaitAsync`] on a tokio
//! runtime). The Haskell twin, `Probe.Protocol`, is generated from this
//! declaration; a message's wire tag is its position below, so new messages go at
//! the end.

use rs_in_hs::wire::{Either, WireBool, WireChar, WireString, WireText};
use serde::{Deserialize, Serialize};

/// Liveness probe; answered with [`Pong`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ping;

/// The reply to [`Ping`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pong;

/// Answered with its number, so callers can match replies to requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Echo(pub u64);

/// The engine sleeps this many milliseconds (at most
/// [`MAX_SLEEP_MS`](crate::engine::MAX_SLEEP_MS)), then answers `()`. Holds the
/// worker busy, for timeouts and full channels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sleep(pub u32);

/// Fault injection: the engine panics while handling it, so the caller gets
/// `EnginePanicked` instead of a reply.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InjectPanic;

/// Asks how many casts the engine has handled since init.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GetCastCount;

/// Sends a [`LoopbackFrame`], which comes back unchanged after a decode and
/// re-encode on the Rust side.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Loopback(pub LoopbackFrame);

/// The engine emits this many [`Tick`]s (at most
/// [`MAX_TICKS`](crate::engine::MAX_TICKS)), numbered from 0, then one
/// [`BurstDone`] with their number, and answers `()`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmitTicks(pub u32);

/// An event: the number of the tick within its burst.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tick(pub u64);

/// An event: a burst of this many ticks was emitted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BurstDone(pub u32);

/// Answered later: a thread of the engine's waits this many milliseconds (at most
/// [`MAX_SLEEP_MS`](crate::engine::MAX_SLEEP_MS)) for the caller to give up, then
/// answers `()`; if the caller gives up first, it counts the cancel
/// ([`cancels_noticed`](crate::engine::cancels_noticed)) and answers nothing more.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SleepLater(pub u32);

/// Answered later, with its number, by one of the engine's four helper threads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EchoLater(pub u64);

/// Answered later, with its number, by one of the four helper threads, once an
/// [`AnswerHeld`] cast (or [`answer_held`](crate::engine::answer_held)) comes:
/// until then the thread holds the reply handle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HoldLater(pub u64);

/// The engine drops the reply handle without answering.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DropLater;

/// The engine panics holding the reply handle: on one of its helper threads if
/// the flag is set, else on the worker inside `call_later`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PanicLater(pub WireBool);

/// Answered later by an async task on the engine's tokio runtime, which waits this
/// many milliseconds (at most [`MAX_SLEEP_MS`](crate::engine::MAX_SLEEP_MS)) on a
/// timer and answers them; the task stops when its caller gives up.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitAsync(pub u32);

/// Every reply handle the helper threads hold for [`HoldLater`] calls is
/// answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnswerHeld;

/// A fire-and-forget message carrying a number; the engine only counts it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note(pub u64);

/// A fire-and-forget message the engine counts, then panics on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PanicNote;

/// An enum with a unit variant and two variants with a payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Shade {
    /// No payload.
    Plain,
    /// A number payload.
    Tinted(f64),
    /// A text payload.
    Named(WireText),
}

/// A record of two numbers, nested in a list and in an `Either`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// A single-precision field.
    pub peak: f32,
    /// A double-precision field.
    pub rms: f64,
}

/// One field of every shape the wire carries; [`Loopback`] sends it back unchanged,
/// so tests can round-trip arbitrary values through both encoders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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
    pub maybe: Option<u16>,
    /// `Either` of an enum and a record.
    pub either: Either<Shade, Level>,
    /// A list of records.
    pub levels: Vec<Level>,
    /// A tuple.
    pub pair: (u32, f32),
    /// An enum.
    pub shade: Shade,
}

rs_in_hs::protocol! {
    /// The probe's protocol: the bridge's own test messages.
    pub struct Probe;
    /// The calls the probe engine answers, in wire-tag order.
    pub trait ProbeCalls {
        /// Answers [`Pong`].
        fn ping(Ping) -> Pong;
        /// Answers the request's number.
        fn echo(Echo) -> u64;
        /// Sleeps (capped), then answers.
        fn sleep(Sleep) -> ();
        /// Panics.
        fn inject_panic(InjectPanic) -> ();
        /// Answers how many casts were handled since init.
        fn get_cast_count(GetCastCount) -> u64;
        /// Answers the frame unchanged.
        fn loopback(Loopback) -> LoopbackFrame;
        /// Emits the ticks and the end of the burst.
        fn emit_ticks(EmitTicks) -> ();
        /// Waits on a thread of its own for the caller to give up, then answers.
        fn sleep_later(SleepLater) -> (), later;
        /// Answers the number from a helper thread.
        fn echo_later(EchoLater) -> u64, later;
        /// Holds the handle on a helper thread until `AnswerHeld`.
        fn hold_later(HoldLater) -> u64, later;
        /// Drops the handle unanswered.
        fn drop_later(DropLater) -> (), later;
        /// Panics holding the handle.
        fn panic_later(PanicLater) -> (), later;
        /// Waits on a timer in an async task, then answers the milliseconds.
        fn wait_async(WaitAsync) -> u32, later;
    }
    /// The casts the probe engine takes, in wire-tag order.
    pub trait ProbeCasts {
        /// Counts the note.
        fn note(Note);
        /// Counts the note, then panics.
        fn panic_note(PanicNote);
        /// Has the helper threads answer every handle they hold.
        fn answer_held(AnswerHeld);
    }
    /// The events the probe engine emits, in wire-tag order.
    pub trait ProbeEvents {
        /// One tick of a burst.
        fn ticked(Tick);
        /// The end of a burst.
        fn finished(BurstDone);
    }
    /// Enums nested in [`LoopbackFrame`], traced on their own so every variant is seen.
    enums { Shade, Either<Shade, Level> }
}
