//! The named sample values of the golden vectors. `hs/test/Samples.hs` defines the
//! same names with the same values; keep the two lists in step (the golden tests on
//! each side fail on a name the other side does not have).

use rs_in_hs::wire::*;

/// A sample of one of the types that cross at init or afterwards.
#[derive(Clone, Debug, PartialEq)]
pub enum Sample {
    Message(MessageBody),
    Config(Config),
    Init(InitMessage),
}

impl Sample {
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Sample::Message(m) => encode(m),
            Sample::Config(c) => encode(c),
            Sample::Init(i) => encode(i),
        }
        .expect("a sample encodes")
    }

    /// Decodes `bytes` as the same type as `self`.
    pub fn decode_like(&self, bytes: &[u8]) -> Result<Sample, rs_in_hs::status::Status> {
        Ok(match self {
            Sample::Message(_) => Sample::Message(decode_exact(bytes)?),
            Sample::Config(_) => Sample::Config(decode_exact(bytes)?),
            Sample::Init(_) => Sample::Init(decode_exact(bytes)?),
        })
    }
}

fn text(s: &str) -> WireText {
    WireText::from(s)
}

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

/// Every sample, by name. Each constructor of `MessageBody` appears at least once,
/// and with it every shape the wire carries.
pub fn all() -> Vec<(&'static str, Sample)> {
    use MessageBody as M;
    let m = |name, message| (name, Sample::Message(message));
    vec![
        ("config", Sample::Config(Config { max_msg_len: 4096 })),
        (
            "init_message",
            Sample::Init(InitMessage {
                schema_fingerprint: (0..32).collect(),
                config: Config { max_msg_len: 256 },
            }),
        ),
        m("ping", M::Ping),
        m("pong", M::Pong),
        m("echo_u64", M::Echo(0x0102_0304_0506_0708)),
        m("get_cast_count", M::GetCastCount),
        m("cast_count", M::CastCount(u64::MAX)),
        m("sleep_u32", M::Sleep(250)),
        m("inject_panic", M::InjectPanic),
        m("unsupported", M::Unsupported),
        m("set_gain_f32", M::SetGain(ChannelId(3), -6.5)),
        m("set_gain_negative_zero", M::SetGain(ChannelId(0), -0.0)),
        m("set_mute_bool", M::SetMute(ChannelId(1), WireBool(true))),
        m("set_pan_i8", M::SetPan(ChannelId(2), i8::MIN)),
        m("set_delay_i32", M::SetDelay(ChannelId(7), -48_000)),
        m(
            "set_label_string_and_char",
            M::SetLabel(
                ChannelId(0),
                wire_string("Gitarre — Bühne ♪ 🎸"),
                WireChar('🎸'),
            ),
        ),
        m("get_channel_newtype", M::GetChannel(ChannelId(u16::MAX))),
        m("channel_nothing", M::Channel(None)),
        m(
            "channel_just_record",
            M::Channel(Some(ChannelInfo {
                channel: ChannelId(4),
                label: wire_string("Voix"),
                glyph: WireChar('é'),
                gain_db: 12.0,
                pan: 100,
                muted: WireBool(false),
                delay_samples: i32::MAX,
            })),
        ),
        m(
            "write_samples_bytestring",
            M::WriteSamples(ChannelId(1), vec![0x00, 0x80, 0xff, 0x7f, 0x01]),
        ),
        m("write_samples_empty", M::WriteSamples(ChannelId(1), vec![])),
        m("samples_written_i16", M::SamplesWritten(2, i16::MIN)),
        m("query_meters", M::QueryMeters),
        m("meters_list_of_nested_records", M::Meters(meters())),
        m("meters_empty", M::Meters(vec![])),
        m("load_preset_text", M::LoadPreset(text("Scène 1 — 日本語"))),
        m("save_preset_empty_text", M::SavePreset(text(""))),
        m(
            "preset_left_enum_with_payload",
            M::Preset(Either::Left(PresetError::UnknownPreset(text("nope")))),
        ),
        m(
            "preset_left_unit",
            M::Preset(Either::Left(PresetError::InvalidName)),
        ),
        m(
            "preset_left_u8",
            M::Preset(Either::Left(PresetError::PresetsFull(16))),
        ),
        m(
            "preset_right",
            M::Preset(Either::Right(PresetSummary {
                name: text("Unity"),
                channels: 8,
            })),
        ),
        m(
            "automate_tuples_and_enum",
            M::Automate(Automation {
                channel: ChannelId(3),
                start_frame: 1_000,
                points: vec![(0, -6.0), (480, -3.0), (u32::MAX, 12.0)],
                curve: Curve::Exponential(2.5),
            }),
        ),
        m("automated", M::Automated(ChannelId(3), 3, 1_480)),
        m("seek_i64", M::Seek(i64::MIN)),
        m("position_i64", M::Position(i64::MAX)),
        m(
            "loopback_every_shape",
            M::Loopback(LoopbackFrame {
                byte: u8::MAX,
                word16: 0x0102,
                word32: 0x0102_0304,
                word64: u64::MAX,
                int8: -1,
                int16: i16::MIN,
                int32: -2,
                int64: i64::MIN + 1,
                single: f32::INFINITY,
                double: std::f64::consts::PI,
                flag: WireBool(false),
                glyph: WireChar('ß'),
                text: text("naïve café"),
                string: wire_string("Ωμέγα"),
                bytes: vec![0, 255, 10],
                maybe: Some(ChannelId(9)),
                outcome: Either::Right(PresetSummary {
                    name: text("Ω"),
                    channels: 0,
                }),
                meters: meters(),
                pair: (7, 0.25),
                curve: Curve::Step,
            }),
        ),
        m(
            "loopback_linear_left",
            M::Loopback(LoopbackFrame {
                byte: 0,
                word16: 0,
                word32: 0,
                word64: 0,
                int8: 0,
                int16: 0,
                int32: 0,
                int64: 0,
                single: 0.0,
                double: -0.0,
                flag: WireBool(true),
                glyph: WireChar('\0'),
                text: text(""),
                string: vec![],
                bytes: vec![],
                maybe: None,
                outcome: Either::Left(PresetError::InvalidName),
                meters: vec![],
                pair: (0, -1.5),
                curve: Curve::Linear,
            }),
        ),
    ]
}
