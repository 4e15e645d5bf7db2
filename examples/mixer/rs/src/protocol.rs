//! The mixer's protocol: every message the demo engine answers or takes, declared
//! once with [`rs_in_hs::protocol!`].
//!
//! The Haskell twin, `Mixer.Protocol`, is generated from this declaration. A call's
//! wire tag is its position in [`MixerCalls`], a cast's its position in
//! [`MixerCasts`] and an event's its position in [`MixerEvents`], so new messages
//! go at the end of their list.
//!
//! Between them the messages carry every shape the wire has, so the golden vectors
//! (`tests/golden.rs`) cover each one: `u8`..`u64`, `i8`..`i64`, `f32`, `f64`,
//! [`WireBool`], [`WireChar`], [`WireText`], [`WireString`], `Vec<u8>`, `Option`,
//! [`Either`], tuples, records nested in lists, enums with payloads, unit structs and
//! the unit reply `()`.

pub use rs_in_hs::wire::Either;
use rs_in_hs::wire::{WireBool, WireChar, WireString, WireText};
use serde::{Deserialize, Serialize};

/// A mixer channel's number, `0` to `engine::CHANNELS - 1`.
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
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_string()"))]
    pub label: WireString,
    /// A one-character symbol shown on the channel strip.
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_char()"))]
    pub glyph: WireChar,
    /// Gain in dB, within `engine::GAIN_RANGE_DB`.
    pub gain_db: f32,
    /// Pan from -100 (left) to 100 (right).
    pub pan: i8,
    /// Whether the channel is muted.
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_bool()"))]
    pub muted: WireBool,
    /// Delay in samples; negative values advance the channel.
    pub delay_samples: i32,
}

/// What a [`WriteSamples`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct SamplesWritten {
    /// How many frames (16-bit samples) were written.
    pub frames: u32,
    /// The sample of largest magnitude, `0` for none.
    pub peak: i16,
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

/// One channel's meter: a record nested in the list [`QueryMeters`] answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct MeterReading {
    /// Which channel.
    pub channel: ChannelId,
    /// Its level after the channel's gain and mute and the master gain.
    pub level: Level,
    /// Whether the peak is above 0 dBFS.
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_bool()"))]
    pub clipped: WireBool,
}

/// Why a preset could not be loaded or saved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub enum PresetError {
    /// No preset has this name.
    UnknownPreset(
        #[cfg_attr(test, proptest(strategy = "crate::properties::wire_text()"))] WireText,
    ),
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
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_text()"))]
    pub name: WireText,
    /// How many channels it sets.
    pub channels: u8,
}

/// The answer to [`LoadPreset`] and [`SavePreset`]: why it failed, or what it did.
pub type PresetOutcome = Either<PresetError, PresetSummary>;

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
    /// The render-clock frame (frames the render thread has rendered since the
    /// audio started) the first point is relative to.
    pub start_frame: u64,
    /// `(frame offset, gain in dB)` pairs; offsets must increase strictly.
    pub points: Vec<(u32, f32)>,
    /// How to move between points.
    pub curve: Curve,
}

/// What an [`Automate`] kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Automated {
    /// Which channel.
    pub channel: ChannelId,
    /// How many points were kept.
    pub points_kept: u32,
    /// The render-clock frame of the last kept point (the start frame if none was).
    pub end_frame: u64,
}

/// Where a [`Transport`] cast moves the transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub enum TransportCommand {
    /// Back to frame 0.
    Rewind,
    /// To this frame (frames past `i64::MAX` stop there).
    Locate(u64),
}

/// Liveness probe, answered by [`Pong`]: the benchmark's round trip.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Ping;

/// The answer to [`Ping`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Pong;

/// Sets a channel's gain (clamped to `engine::GAIN_RANGE_DB`; a non-finite gain
/// changes nothing).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct SetGain {
    /// Which channel.
    pub channel: ChannelId,
    /// The gain in dB.
    pub gain_db: f32,
}

/// Mutes or unmutes a channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct SetMute {
    /// Which channel.
    pub channel: ChannelId,
    /// Whether it is muted.
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_bool()"))]
    pub muted: WireBool,
}

/// Sets a channel's pan (clamped to -100..=100).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct SetPan {
    /// Which channel.
    pub channel: ChannelId,
    /// From -100 (left) to 100 (right).
    pub pan: i8,
}

/// Sets a channel's delay (clamped to `engine::MAX_DELAY_SAMPLES` either way).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct SetDelay {
    /// Which channel.
    pub channel: ChannelId,
    /// The delay in samples; negative values advance the channel.
    pub delay_samples: i32,
}

/// Sets a channel's label (truncated to `engine::MAX_LABEL_CHARS`) and glyph.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct SetLabel {
    /// Which channel.
    pub channel: ChannelId,
    /// The label.
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_string()"))]
    pub label: WireString,
    /// The symbol shown on the channel strip.
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_char()"))]
    pub glyph: WireChar,
}

/// Asks for a channel's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct GetChannel(pub ChannelId);

/// Writes 16-bit little-endian mono samples to a channel's input, which feeds its
/// meter (a trailing odd byte is ignored).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct WriteSamples {
    /// Which channel.
    pub channel: ChannelId,
    /// The samples' bytes.
    pub samples: Vec<u8>,
}

/// Asks for every channel's meter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct QueryMeters;

/// Recalls a preset's channel settings (not the labels or meters).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct LoadPreset {
    /// The preset's name.
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_text()"))]
    pub name: WireText,
}

/// Saves the current channel settings under a name, replacing a preset of that name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct SavePreset {
    /// The preset's name, 1 to `engine::MAX_PRESET_NAME_BYTES` bytes of UTF-8.
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_text()"))]
    pub name: WireText,
}

/// Schedules gain automation; the channel ends at the last kept point's gain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Automate(pub Automation);

/// Moves the transport (never before frame 0) and asks for its new frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Seek {
    /// How many frames to move; negative values move back.
    pub delta_frames: i64,
}

/// Puts the mixer back in its power-on state: every channel's settings and label,
/// silent meters, master gain 0 dB, the transport at frame 0. The presets stay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Reset;

/// Sets the master gain, which every meter reading includes (clamped to
/// `engine::GAIN_RANGE_DB`; a non-finite gain changes nothing).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct SetMaster {
    /// The gain in dB.
    pub gain_db: f32,
}

/// Silences every channel's meter until samples are written to it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct ResetMeters;

/// Moves the transport without asking where it ended (a control surface's cue).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Transport(pub TransportCommand);

/// Which device drives the render thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub enum AudioDevice {
    /// A thread woken by the clock once per block period; nothing is played.
    Null,
    /// The system's default output device (with the `cpal` feature; otherwise, or
    /// without a sound card, the null device runs instead).
    System,
}

/// The render thread's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct AudioConfig {
    /// Frames per second, within `audio::SAMPLE_RATES`.
    pub sample_rate: u32,
    /// Frames per block, within `audio::BLOCK_FRAMES`.
    pub block_frames: u32,
    /// Meter events per second (0: none), at most the sample rate.
    pub meter_hz: u32,
    /// The device to drive it.
    pub device: AudioDevice,
}

/// Why [`StartAudio`] refused a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub enum AudioError {
    /// The sample rate is outside `audio::SAMPLE_RATES`.
    SampleRate(u32),
    /// The block size is outside `audio::BLOCK_FRAMES`.
    BlockFrames(u32),
    /// The meter rate is above the sample rate.
    MeterRate(u32),
}

/// The answer to [`StartAudio`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub enum AudioStarted {
    /// The render thread runs on this device.
    Started(AudioDevice),
    /// The configuration was refused; the render thread runs on as it was.
    AudioRefused(AudioError),
}

/// Why a [`Record`] could not start.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub enum RecordError {
    /// A recording is still running.
    Busy,
    /// The file could not be created; the reason.
    CannotCreate(#[cfg_attr(test, proptest(strategy = "crate::properties::wire_text()"))] WireText),
}

/// The answer to [`Record`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub enum RecordOutcome {
    /// The recording starts at this render-clock frame.
    Recording(u64),
    /// The recording could not start.
    RecordRefused(RecordError),
}

/// What the audio side did since it started: the figures of the render thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct AudioFigures {
    /// The configuration that runs, with the device that runs.
    pub config: AudioConfig,
    /// How long one block lasts, in nanoseconds: each callback's deadline.
    pub block_period_ns: u64,
    /// Blocks rendered.
    pub blocks: u64,
    /// Blocks that finished after their deadline (each also a [`LateBlock`] xrun event).
    pub deadline_misses: u64,
    /// The callback's duration, median, to within 3%, in nanoseconds.
    pub callback_p50_ns: u64,
    /// The callback's duration, 99th percentile, to within 3%, in nanoseconds.
    pub callback_p99_ns: u64,
    /// The callback's longest duration, in nanoseconds.
    pub callback_max_ns: u64,
    /// Allocations inside the callback (always 0 unless the callback is broken).
    pub callback_allocations: u64,
    /// Frees inside the callback (always 0 unless the callback is broken).
    pub callback_frees: u64,
    /// Meter and xrun reports the render thread had no room to pass on.
    pub reports_dropped: u64,
    /// The render clock: frames rendered.
    pub frame: u64,
    /// Whether a recording is running.
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_bool()"))]
    pub recording: WireBool,
    /// Frames of the last recording written to its file so far.
    pub frames_recorded: u64,
    /// Frames of the last recording lost because the file writer fell behind.
    pub frames_record_dropped: u64,
    /// Whether the null device's render thread runs at real-time priority
    /// (`SCHED_FIFO`, where the system allows it).
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_bool()"))]
    pub realtime_priority: WireBool,
}

/// Restarts the render thread with a new configuration. The mixer's settings,
/// sources and automation carry over; the render clock starts again at 0 and a
/// running recording ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct StartAudio(pub AudioConfig);

/// Records the output to a 16-bit stereo WAV file, written off the render thread.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Record {
    /// Where to write the file (replaced if it exists).
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_text()"))]
    pub path: WireText,
    /// How many frames to record; the recording starts one second ahead of the
    /// render clock.
    pub frames: u64,
}

/// Asks for the audio figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct QueryAudio;

/// Imports a WAV file (any sample format, mixed down to one channel) as a channel's
/// source: the service thread reads and decodes it, off the control path, and
/// answers once it has; the channel plays it from the engine's next message on. A
/// restart of the render thread (`StartAudio`) drops the imports in flight: their
/// callers get `Unanswered`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct ImportWav {
    /// Which channel plays it.
    pub channel: ChannelId,
    /// The file to read.
    #[cfg_attr(test, proptest(strategy = "crate::properties::wire_text()"))]
    pub path: WireText,
}

/// A WAV file imported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct Imported {
    /// Frames read (the channel's new source length).
    pub frames: u64,
    /// The file's sample rate, in Hz (played at the render thread's own).
    pub sample_rate: u32,
    /// The file's channels, mixed down to one.
    pub channels: u16,
}

/// What an [`ImportWav`] did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub enum ImportOutcome {
    /// The file was read; the channel plays it.
    WavImported(Imported),
    /// The file could not be read or decoded, or is longer than a minute at
    /// 192 kHz; why. The channel is unchanged.
    ImportFailed(#[cfg_attr(test, proptest(strategy = "crate::properties::wire_text()"))] WireText),
}

/// Answered with the render clock once it has reached this frame (the service
/// thread watches the clock; the render thread is not involved). A restart of the
/// render thread drops the waits in flight: their callers get `Unanswered`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct AwaitFrame(pub u64);

/// The channels' output levels over one meter interval: an event, emitted at the
/// configured meter rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct MeterFrame {
    /// The render-clock frame the interval ended at.
    pub frame: u64,
    /// When the event was emitted: nanoseconds since the Unix epoch (the system
    /// clock), for the subscriber's lag.
    pub emitted_unix_ns: u64,
    /// Each channel's level after its gain (or automation), mute and the master
    /// gain, before the pan, in channel order.
    pub levels: Vec<Level>,
}

/// A block finished after its deadline: an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
pub struct LateBlock {
    /// The render-clock frame the late block ended at.
    pub frame: u64,
    /// How late it finished, in nanoseconds.
    pub late_ns: u64,
}

rs_in_hs::protocol! {
    /// The mixer's protocol: the marker type its engine and the Haskell side name.
    pub struct Mixer;

    /// The calls the mixer answers, in wire-tag order. A request for a channel that
    /// does not exist changes nothing and is answered with `None`.
    pub trait MixerCalls {
        /// Answers at once; the benchmark times this round trip.
        fn ping(Ping) -> Pong;
        /// Sets a channel's gain; answers with its settings.
        fn set_gain(SetGain) -> Option<ChannelInfo>;
        /// Mutes or unmutes a channel; answers with its settings.
        fn set_mute(SetMute) -> Option<ChannelInfo>;
        /// Sets a channel's pan; answers with its settings.
        fn set_pan(SetPan) -> Option<ChannelInfo>;
        /// Sets a channel's delay; answers with its settings.
        fn set_delay(SetDelay) -> Option<ChannelInfo>;
        /// Sets a channel's label and glyph; answers with its settings.
        fn set_label(SetLabel) -> Option<ChannelInfo>;
        /// Answers with a channel's settings.
        fn get_channel(GetChannel) -> Option<ChannelInfo>;
        /// Feeds a channel's meter; answers with what was written.
        fn write_samples(WriteSamples) -> Option<SamplesWritten>;
        /// Answers with one reading per channel, in channel order.
        fn query_meters(QueryMeters) -> Vec<MeterReading>;
        /// Recalls a preset.
        fn load_preset(LoadPreset) -> PresetOutcome;
        /// Saves a preset.
        fn save_preset(SavePreset) -> PresetOutcome;
        /// Schedules automation; answers with what was kept.
        fn automate(Automate) -> Option<Automated>;
        /// Moves the transport; answers with its new frame.
        fn seek(Seek) -> i64;
        /// Resets the mixer; answers once it is done.
        fn reset(Reset) -> ();
        /// Restarts the render thread; answers with the device that runs.
        fn start_audio(StartAudio) -> AudioStarted;
        /// Starts a recording; answers with its first frame.
        fn record(Record) -> RecordOutcome;
        /// Answers with the audio figures.
        fn query_audio(QueryAudio) -> AudioFigures;
        /// Imports a WAV file; answered by the service thread after the read.
        fn import_wav(ImportWav) -> Option<ImportOutcome>, later;
        /// Answers once the render clock reaches the frame.
        fn await_frame(AwaitFrame) -> u64, later;
    }

    /// The casts the mixer takes without answering, in wire-tag order.
    pub trait MixerCasts {
        /// Sets the master gain.
        fn set_master(SetMaster);
        /// Silences the meters.
        fn reset_meters(ResetMeters);
        /// Moves the transport.
        fn transport(Transport);
    }

    /// The events the mixer emits, in wire-tag order.
    pub trait MixerEvents {
        /// The output meters, at the configured meter rate.
        fn meters(MeterFrame);
        /// A block missed its deadline.
        fn xrun(LateBlock);
    }

    /// The enums nested in the messages, traced on their own so that every variant
    /// is in the schema.
    enums {
        Curve, PresetError, TransportCommand, AudioDevice, AudioError, AudioStarted,
        RecordError, RecordOutcome, ImportOutcome
    }
}
