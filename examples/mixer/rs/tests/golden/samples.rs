//! The named sample values of the golden vectors: plain data, one sample per line of
//! the list in [`all`]. `examples/mixer/hs/test/Samples.hs` defines the same names with
//! the same values; keep the two lists in step (the golden tests on each side fail on
//! a name the other side does not have).
//!
//! A sample is a whole wire message: a request, a reply or a cast, each encoded as
//! its one-byte tag (the call's or cast's position in the protocol) then its value.
//! Each name starts with its kind (`request_`, `reply_`, `cast_`) and then the call or
//! cast. Every call's request and reply and every cast appears at least once, and
//! with them every shape the wire carries.

use mixer_engine::protocol::*;
use rs_in_hs::Status;
use rs_in_hs::wire::{WireBool, WireChar, WireText, decode_exact, encode, wire_string};

/// One wire message of the mixer's protocol.
#[derive(Clone, Debug, PartialEq)]
pub enum Sample {
    /// A call's request, as Haskell sends it.
    Request(Request),
    /// A call's reply, as Rust sends it.
    Reply(Reply),
    /// A cast, as Haskell sends it.
    Cast(Cast),
}

impl Sample {
    /// The sample's bytes on the wire.
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Sample::Request(request) => encode(request),
            Sample::Reply(reply) => encode(reply),
            Sample::Cast(cast) => encode(cast),
        }
        .expect("a sample encodes")
    }

    /// Decodes `bytes` as a message of the same kind as `self`.
    pub fn decode_like(&self, bytes: &[u8]) -> Result<Sample, Status> {
        Ok(match self {
            Sample::Request(_) => Sample::Request(decode_exact(bytes)?),
            Sample::Reply(_) => Sample::Reply(decode_exact(bytes)?),
            Sample::Cast(_) => Sample::Cast(decode_exact(bytes)?),
        })
    }
}

fn text(s: &str) -> WireText {
    WireText::from(s)
}

/// Two meter readings: a silent channel and a clipping one.
fn meters() -> Vec<MeterReading> {
    vec![
        MeterReading {
            channel: ChannelId(0),
            level: Level {
                peak_db: f32::NEG_INFINITY,
                rms_db: f64::NEG_INFINITY,
            },
            clipped: WireBool(false),
        },
        MeterReading {
            channel: ChannelId(1),
            level: Level {
                peak_db: 6.0,
                rms_db: -3.010_299_956_639_812,
            },
            clipped: WireBool(true),
        },
    ]
}

/// Every sample, by name.
pub fn all() -> Vec<(&'static str, Sample)> {
    use Sample::{Cast as C, Reply as P, Request as R};
    vec![
        // Requests, in tag order.
        ("request_ping", R(Request::Ping(Ping))),
        (
            "request_set_gain_f32",
            R(Request::SetGain(SetGain {
                channel: ChannelId(3),
                gain_db: -6.5,
            })),
        ),
        (
            "request_set_gain_negative_zero",
            R(Request::SetGain(SetGain {
                channel: ChannelId(0),
                gain_db: -0.0,
            })),
        ),
        (
            "request_set_mute_bool",
            R(Request::SetMute(SetMute {
                channel: ChannelId(1),
                muted: WireBool(true),
            })),
        ),
        (
            "request_set_pan_i8",
            R(Request::SetPan(SetPan {
                channel: ChannelId(2),
                pan: i8::MIN,
            })),
        ),
        (
            "request_set_delay_i32",
            R(Request::SetDelay(SetDelay {
                channel: ChannelId(7),
                delay_samples: -48_000,
            })),
        ),
        (
            "request_set_label_string_and_char",
            R(Request::SetLabel(SetLabel {
                channel: ChannelId(0),
                label: wire_string("Gitarre — Bühne ♪ 🎸"),
                glyph: WireChar('🎸'),
            })),
        ),
        (
            "request_get_channel_newtype",
            R(Request::GetChannel(GetChannel(ChannelId(u16::MAX)))),
        ),
        (
            "request_write_samples_bytestring",
            R(Request::WriteSamples(WriteSamples {
                channel: ChannelId(1),
                samples: vec![0x00, 0x80, 0xff, 0x7f, 0x01],
            })),
        ),
        (
            "request_write_samples_empty",
            R(Request::WriteSamples(WriteSamples {
                channel: ChannelId(1),
                samples: vec![],
            })),
        ),
        ("request_query_meters", R(Request::QueryMeters(QueryMeters))),
        (
            "request_load_preset_text",
            R(Request::LoadPreset(LoadPreset {
                name: text("Scène 1 — 日本語"),
            })),
        ),
        (
            "request_save_preset_empty_text",
            R(Request::SavePreset(SavePreset { name: text("") })),
        ),
        (
            "request_automate_tuples_and_enum",
            R(Request::Automate(Automate(Automation {
                channel: ChannelId(3),
                start_frame: 1_000,
                points: vec![(0, -6.0), (480, -3.0), (u32::MAX, 12.0)],
                curve: Curve::Exponential(2.5),
            }))),
        ),
        (
            "request_automate_linear_no_points",
            R(Request::Automate(Automate(Automation {
                channel: ChannelId(0),
                start_frame: 0,
                points: vec![],
                curve: Curve::Linear,
            }))),
        ),
        (
            "request_automate_step_u64",
            R(Request::Automate(Automate(Automation {
                channel: ChannelId(7),
                start_frame: u64::MAX,
                points: vec![(1, f32::INFINITY)],
                curve: Curve::Step,
            }))),
        ),
        (
            "request_seek_i64",
            R(Request::Seek(Seek {
                delta_frames: i64::MIN,
            })),
        ),
        ("request_reset", R(Request::Reset(Reset))),
        (
            "request_start_audio_record",
            R(Request::StartAudio(StartAudio(AudioConfig {
                sample_rate: 48_000,
                block_frames: 128,
                meter_hz: 30,
                device: AudioDevice::System,
            }))),
        ),
        (
            "request_record_text",
            R(Request::Record(Record {
                path: WireText::from("/tmp/mixdown.wav"),
                frames: 96_000,
            })),
        ),
        ("request_query_audio", R(Request::QueryAudio(QueryAudio))),
        (
            "request_import_wav_text",
            R(Request::ImportWav(ImportWav {
                channel: ChannelId(5),
                path: WireText::from("/tmp/Klänge.wav"),
            })),
        ),
        (
            "request_await_frame_u64",
            R(Request::AwaitFrame(AwaitFrame(u64::MAX))),
        ),
        // Replies, in tag order.
        ("reply_ping_pong", P(Reply::Ping(Pong))),
        (
            "reply_set_gain_record",
            P(Reply::SetGain(Some(ChannelInfo {
                channel: ChannelId(4),
                label: wire_string("Voix"),
                glyph: WireChar('é'),
                gain_db: 12.0,
                pan: 100,
                muted: WireBool(false),
                delay_samples: i32::MAX,
            }))),
        ),
        ("reply_set_mute_nothing", P(Reply::SetMute(None))),
        (
            "reply_set_pan_record",
            P(Reply::SetPan(Some(ChannelInfo {
                channel: ChannelId(2),
                label: wire_string("Ch 3"),
                glyph: WireChar('♪'),
                gain_db: -96.0,
                pan: -100,
                muted: WireBool(true),
                delay_samples: -48_000,
            }))),
        ),
        ("reply_set_delay_nothing", P(Reply::SetDelay(None))),
        (
            "reply_set_label_record",
            P(Reply::SetLabel(Some(ChannelInfo {
                channel: ChannelId(0),
                label: wire_string("Gitarre — Bühne ♪ 🎸"),
                glyph: WireChar('🎸'),
                gain_db: 0.0,
                pan: 0,
                muted: WireBool(false),
                delay_samples: 0,
            }))),
        ),
        ("reply_get_channel_nothing", P(Reply::GetChannel(None))),
        (
            "reply_write_samples_i16",
            P(Reply::WriteSamples(Some(SamplesWritten {
                frames: 2,
                peak: i16::MIN,
            }))),
        ),
        ("reply_write_samples_nothing", P(Reply::WriteSamples(None))),
        (
            "reply_query_meters_nested_records",
            P(Reply::QueryMeters(meters())),
        ),
        ("reply_query_meters_empty", P(Reply::QueryMeters(vec![]))),
        (
            "reply_load_preset_left_payload",
            P(Reply::LoadPreset(Either::Left(PresetError::UnknownPreset(
                text("nope"),
            )))),
        ),
        (
            "reply_load_preset_right",
            P(Reply::LoadPreset(Either::Right(PresetSummary {
                name: text("Unity"),
                channels: 8,
            }))),
        ),
        (
            "reply_save_preset_left_unit_variant",
            P(Reply::SavePreset(Either::Left(PresetError::InvalidName))),
        ),
        (
            "reply_save_preset_left_u8",
            P(Reply::SavePreset(Either::Left(PresetError::PresetsFull(
                16,
            )))),
        ),
        (
            "reply_automate_record",
            P(Reply::Automate(Some(Automated {
                channel: ChannelId(3),
                points_kept: 3,
                end_frame: 1_480,
            }))),
        ),
        ("reply_automate_nothing", P(Reply::Automate(None))),
        ("reply_seek_i64", P(Reply::Seek(i64::MAX))),
        ("reply_reset_unit", P(Reply::Reset(()))),
        (
            "reply_start_audio_started",
            P(Reply::StartAudio(AudioStarted::Started(AudioDevice::Null))),
        ),
        (
            "reply_start_audio_refused",
            P(Reply::StartAudio(AudioStarted::AudioRefused(
                AudioError::BlockFrames(0),
            ))),
        ),
        (
            "reply_record_recording",
            P(Reply::Record(RecordOutcome::Recording(48_000))),
        ),
        (
            "reply_record_refused",
            P(Reply::Record(RecordOutcome::RecordRefused(
                RecordError::CannotCreate(WireText::from("no such directory")),
            ))),
        ),
        (
            "reply_query_audio_record",
            P(Reply::QueryAudio(AudioFigures {
                config: AudioConfig {
                    sample_rate: 44_100,
                    block_frames: 256,
                    meter_hz: 0,
                    device: AudioDevice::Null,
                },
                block_period_ns: 5_804_988,
                blocks: 1_000,
                deadline_misses: 1,
                callback_p50_ns: 4_096,
                callback_p99_ns: 12_288,
                callback_max_ns: 6_000_001,
                callback_allocations: 0,
                callback_frees: 0,
                reports_dropped: 2,
                frame: 256_000,
                recording: WireBool(true),
                frames_recorded: 44_100,
                frames_record_dropped: 0,
                realtime_priority: WireBool(false),
            })),
        ),
        (
            "reply_import_wav_imported",
            P(Reply::ImportWav(Some(ImportOutcome::WavImported(
                Imported {
                    frames: 48_000,
                    sample_rate: 44_100,
                    channels: 2,
                },
            )))),
        ),
        (
            "reply_import_wav_failed",
            P(Reply::ImportWav(Some(ImportOutcome::ImportFailed(
                WireText::from("No such file or directory (os error 2)"),
            )))),
        ),
        ("reply_import_wav_nothing", P(Reply::ImportWav(None))),
        ("reply_await_frame_u64", P(Reply::AwaitFrame(96_000))),
        // Casts, in tag order.
        (
            "cast_set_master_f32",
            C(Cast::SetMaster(SetMaster { gain_db: -3.5 })),
        ),
        ("cast_reset_meters", C(Cast::ResetMeters(ResetMeters))),
        (
            "cast_transport_rewind",
            C(Cast::Transport(Transport(TransportCommand::Rewind))),
        ),
        (
            "cast_transport_locate_u64",
            C(Cast::Transport(Transport(TransportCommand::Locate(
                u64::MAX,
            )))),
        ),
    ]
}
