//! The demo engine: what the worker thread runs for each message.
//!
//! A real embedding replaces this module; the bridge only needs `Engine::call` and
//! `Engine::cast`. It is plain safe Rust and knows nothing of Haskell. It plays a
//! small mixer: channels with gain, pan, mute, delay and a label, meters fed by the
//! samples written to each channel, named presets, gain automation and a transport.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::time::Duration;

use crate::wire::{
    Automation, ChannelId, ChannelInfo, Curve, Either, Level, MessageBody, MeterReading,
    PresetError, PresetOutcome, PresetSummary, WireBool, WireChar, WireText, from_wire_string,
    wire_string,
};

/// Longest sleep a `Sleep` request may ask for, so no message can park the worker
/// for long.
pub const MAX_SLEEP_MS: u32 = 10_000;

/// How many channels the mixer has (`ChannelId(0)` to `ChannelId(CHANNELS - 1)`).
pub const CHANNELS: u16 = 8;

/// The gain range in dB; `SetGain` and automation clamp to it.
pub const GAIN_RANGE_DB: RangeInclusive<f32> = -96.0..=12.0;

/// Largest delay, either way, in samples (one second at 48 kHz).
pub const MAX_DELAY_SAMPLES: i32 = 48_000;

/// Longest label, in characters; longer labels are truncated.
pub const MAX_LABEL_CHARS: usize = 32;

/// Longest preset name, in UTF-8 bytes.
pub const MAX_PRESET_NAME_BYTES: usize = 64;

/// How many presets the engine holds, the built-in `"Unity"` included.
pub const MAX_PRESETS: u8 = 16;

/// Full scale of a 16-bit sample.
const FULL_SCALE: f64 = 32_768.0;

/// One channel strip.
#[derive(Clone, Debug, PartialEq)]
struct Strip {
    label: String,
    glyph: char,
    gain_db: f32,
    pan: i8,
    muted: bool,
    delay_samples: i32,
    /// Peak and RMS of the last samples written, as fractions of full scale.
    input_peak: f64,
    input_rms: f64,
}

impl Strip {
    fn new(index: u16) -> Self {
        Strip {
            label: format!("Ch {}", index + 1),
            glyph: '♪',
            gain_db: 0.0,
            pan: 0,
            muted: false,
            delay_samples: 0,
            input_peak: 0.0,
            input_rms: 0.0,
        }
    }

    fn info(&self, channel: ChannelId) -> ChannelInfo {
        ChannelInfo {
            channel,
            label: wire_string(&self.label),
            glyph: WireChar(self.glyph),
            gain_db: self.gain_db,
            pan: self.pan,
            muted: WireBool(self.muted),
            delay_samples: self.delay_samples,
        }
    }

    /// The level after gain and mute, in dBFS.
    fn level(&self) -> Level {
        let to_db = |fraction: f64| {
            if self.muted || fraction == 0.0 {
                f64::NEG_INFINITY
            } else {
                20.0 * fraction.log10() + f64::from(self.gain_db)
            }
        };
        Level {
            // Narrowing to f32 is the meter's resolution.
            peak_db: to_db(self.input_peak) as f32,
            rms_db: to_db(self.input_rms),
        }
    }
}

/// The settings a preset restores (not the meters).
#[derive(Clone, Copy, Debug, PartialEq)]
struct StripSettings {
    gain_db: f32,
    pan: i8,
    muted: bool,
    delay_samples: i32,
}

/// Engine state, owned by the worker thread for one init/deinit cycle.
#[derive(Debug)]
pub struct Engine {
    casts_handled: u64,
    strips: Vec<Strip>,
    presets: BTreeMap<String, Vec<StripSettings>>,
    position: i64,
}

impl Default for Engine {
    fn default() -> Self {
        let strips: Vec<Strip> = (0..CHANNELS).map(Strip::new).collect();
        let unity = strips.iter().map(settings).collect();
        Engine {
            casts_handled: 0,
            strips,
            presets: BTreeMap::from([("Unity".to_owned(), unity)]),
            position: 0,
        }
    }
}

fn settings(strip: &Strip) -> StripSettings {
    StripSettings {
        gain_db: strip.gain_db,
        pan: strip.pan,
        muted: strip.muted,
        delay_samples: strip.delay_samples,
    }
}

/// Clamps a gain to [`GAIN_RANGE_DB`]; `None` for NaN or an infinity.
fn clamp_gain(gain_db: f32) -> Option<f32> {
    gain_db
        .is_finite()
        .then(|| gain_db.clamp(*GAIN_RANGE_DB.start(), *GAIN_RANGE_DB.end()))
}

impl Engine {
    /// Handles a request and returns its reply.
    pub fn call(&mut self, request: MessageBody) -> MessageBody {
        use MessageBody as M;
        match request {
            M::Ping => M::Pong,
            M::Echo(id) => M::Echo(id),
            M::GetCastCount => M::CastCount(self.casts_handled),
            M::Sleep(ms) => {
                std::thread::sleep(Duration::from_millis(u64::from(ms.min(MAX_SLEEP_MS))));
                M::Pong
            }
            M::InjectPanic => panic!("InjectPanic: fault injected by the caller"),
            M::SetGain(id, gain_db) => self.update(id, |strip| {
                if let Some(gain_db) = clamp_gain(gain_db) {
                    strip.gain_db = gain_db;
                }
            }),
            M::SetMute(id, WireBool(muted)) => self.update(id, |strip| strip.muted = muted),
            M::SetPan(id, pan) => self.update(id, |strip| strip.pan = pan.clamp(-100, 100)),
            M::SetDelay(id, delay) => self.update(id, |strip| {
                strip.delay_samples = delay.clamp(-MAX_DELAY_SAMPLES, MAX_DELAY_SAMPLES);
            }),
            M::SetLabel(id, label, glyph) => self.update(id, |strip| {
                strip.label = from_wire_string(&label[..label.len().min(MAX_LABEL_CHARS)]);
                strip.glyph = glyph.0;
            }),
            M::GetChannel(id) => self.update(id, |_| ()),
            M::WriteSamples(id, bytes) => self.write_samples(id, &bytes),
            M::QueryMeters => M::Meters(self.meters()),
            M::LoadPreset(name) => M::Preset(self.load_preset(name)),
            M::SavePreset(name) => M::Preset(self.save_preset(name)),
            M::Automate(automation) => self.automate(automation),
            M::Seek(delta) => {
                self.position = self.position.saturating_add(delta).max(0);
                M::Position(self.position)
            }
            M::Loopback(frame) => M::Loopback(frame),
            M::Pong
            | M::CastCount(_)
            | M::Unsupported
            | M::Channel(_)
            | M::SamplesWritten(..)
            | M::Meters(_)
            | M::Preset(_)
            | M::Automated(..)
            | M::Position(_) => M::Unsupported,
        }
    }

    /// Handles a fire-and-forget message: counts it and applies it as a request whose
    /// reply nobody reads (a cast `SetGain` sets the gain). A cast `Sleep` does not
    /// sleep: a cast must never hold the worker for the caller's sake.
    pub fn cast(&mut self, message: MessageBody) {
        self.casts_handled += 1;
        if message == MessageBody::InjectPanic {
            panic!("InjectPanic: fault injected by a cast");
        }
        if !matches!(message, MessageBody::Sleep(_)) {
            self.call(message);
        }
    }

    fn strip(&mut self, id: ChannelId) -> Option<&mut Strip> {
        self.strips.get_mut(usize::from(id.0))
    }

    /// Applies `change` to a channel and answers with its settings, or
    /// `Channel(None)` if it does not exist.
    fn update(&mut self, id: ChannelId, change: impl FnOnce(&mut Strip)) -> MessageBody {
        MessageBody::Channel(self.strip(id).map(|strip| {
            change(strip);
            strip.info(id)
        }))
    }

    fn write_samples(&mut self, id: ChannelId, bytes: &[u8]) -> MessageBody {
        let Some(strip) = self.strip(id) else {
            return MessageBody::Channel(None);
        };
        let samples: Vec<i16> = bytes
            .chunks_exact(2)
            .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        let peak = samples
            .iter()
            .copied()
            .max_by_key(|s| s.unsigned_abs())
            .unwrap_or(0);
        let sum_squares: f64 = samples.iter().map(|&s| f64::from(s).powi(2)).sum();
        strip.input_peak = f64::from(peak.unsigned_abs()) / FULL_SCALE;
        strip.input_rms = if samples.is_empty() {
            0.0
        } else {
            (sum_squares / samples.len() as f64).sqrt() / FULL_SCALE
        };
        let frames = u32::try_from(samples.len()).unwrap_or(u32::MAX);
        MessageBody::SamplesWritten(frames, peak)
    }

    fn meters(&self) -> Vec<MeterReading> {
        (0..CHANNELS)
            .zip(&self.strips)
            .map(|(index, strip)| {
                let level = strip.level();
                MeterReading {
                    channel: ChannelId(index),
                    level,
                    clipped: WireBool(level.peak_db > 0.0),
                }
            })
            .collect()
    }

    fn load_preset(&mut self, name: WireText) -> PresetOutcome {
        let Some(saved) = self.presets.get(&name.0) else {
            return Either::Left(PresetError::UnknownPreset(name));
        };
        for (strip, settings) in self.strips.iter_mut().zip(saved) {
            strip.gain_db = settings.gain_db;
            strip.pan = settings.pan;
            strip.muted = settings.muted;
            strip.delay_samples = settings.delay_samples;
        }
        Either::Right(summary(name, saved.len()))
    }

    fn save_preset(&mut self, name: WireText) -> PresetOutcome {
        if name.0.is_empty() || name.0.len() > MAX_PRESET_NAME_BYTES {
            return Either::Left(PresetError::InvalidName);
        }
        let is_new = !self.presets.contains_key(&name.0);
        if is_new && self.presets.len() >= usize::from(MAX_PRESETS) {
            return Either::Left(PresetError::PresetsFull(MAX_PRESETS));
        }
        let saved: Vec<StripSettings> = self.strips.iter().map(settings).collect();
        let channels = saved.len();
        self.presets.insert(name.0.clone(), saved);
        Either::Right(summary(name, channels))
    }

    /// Keeps the points whose offsets increase strictly (the rest are dropped), and
    /// leaves the channel at the last kept point's gain. A non-finite exponential
    /// curve keeps no point.
    fn automate(&mut self, automation: Automation) -> MessageBody {
        let Automation {
            channel,
            start_frame,
            points,
            curve,
        } = automation;
        let Some(strip) = self.strip(channel) else {
            return MessageBody::Channel(None);
        };
        let usable = !matches!(curve, Curve::Exponential(k) if !k.is_finite());
        let mut kept: Vec<(u32, f32)> = Vec::new();
        for (offset, gain_db) in points.into_iter().filter(|_| usable) {
            let later = kept.last().is_none_or(|&(last, _)| offset > last);
            if let (true, Some(gain_db)) = (later, clamp_gain(gain_db)) {
                kept.push((offset, gain_db));
            }
        }
        if let Some(&(_, gain_db)) = kept.last() {
            strip.gain_db = gain_db;
        }
        let end = kept.last().map_or(0, |&(offset, _)| u64::from(offset));
        let count = u32::try_from(kept.len()).unwrap_or(u32::MAX);
        MessageBody::Automated(channel, count, start_frame.saturating_add(end))
    }
}

fn summary(name: WireText, channels: usize) -> PresetSummary {
    PresetSummary {
        name,
        channels: u8::try_from(channels).unwrap_or(u8::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use MessageBody as M;

    fn channel(reply: MessageBody) -> ChannelInfo {
        match reply {
            M::Channel(Some(info)) => info,
            other => panic!("expected a channel, got {other:?}"),
        }
    }

    #[test]
    fn answers_each_request() {
        let mut engine = Engine::default();
        assert_eq!(engine.call(M::Ping), M::Pong);
        assert_eq!(engine.call(M::Echo(7)), M::Echo(7));
        assert_eq!(engine.call(M::Pong), M::Unsupported);
        engine.cast(M::Ping);
        engine.cast(M::Echo(1));
        assert_eq!(engine.call(M::GetCastCount), M::CastCount(2));
    }

    #[test]
    fn channel_settings_are_clamped_and_unknown_channels_refused() {
        let mut engine = Engine::default();
        let id = ChannelId(2);
        assert_eq!(channel(engine.call(M::SetGain(id, 40.0))).gain_db, 12.0);
        assert_eq!(channel(engine.call(M::SetGain(id, f32::NAN))).gain_db, 12.0);
        assert_eq!(channel(engine.call(M::SetPan(id, -128))).pan, -100);
        assert_eq!(
            channel(engine.call(M::SetDelay(id, i32::MIN))).delay_samples,
            -MAX_DELAY_SAMPLES
        );
        let long = "Überlänge — ".repeat(5);
        let info = channel(engine.call(M::SetLabel(id, wire_string(&long), WireChar('🎸'))));
        assert_eq!(info.label.len(), MAX_LABEL_CHARS);
        assert_eq!(info.glyph, WireChar('🎸'));
        assert!(channel(engine.call(M::SetMute(id, WireBool(true)))).muted.0);
        assert_eq!(
            engine.call(M::GetChannel(ChannelId(CHANNELS))),
            M::Channel(None)
        );
        assert_eq!(
            engine.call(M::WriteSamples(ChannelId(99), vec![1, 2])),
            M::Channel(None)
        );
    }

    #[test]
    fn meters_follow_samples_gain_and_mute() {
        let mut engine = Engine::default();
        let id = ChannelId(1);
        // Full-scale negative peak: -32768, plus a trailing odd byte that is ignored.
        let samples = [0x00, 0x80, 0x00, 0x40, 0x07];
        assert_eq!(
            engine.call(M::WriteSamples(id, samples.to_vec())),
            M::SamplesWritten(2, i16::MIN)
        );
        engine.call(M::SetGain(id, 6.0));
        let M::Meters(meters) = engine.call(M::QueryMeters) else {
            panic!("expected meters")
        };
        assert_eq!(meters.len(), usize::from(CHANNELS));
        let reading = &meters[1];
        assert_eq!(reading.level.peak_db, 6.0);
        assert!(reading.clipped.0);
        assert!(meters[0].level.peak_db.is_infinite() && !meters[0].clipped.0);
        engine.call(M::SetMute(id, WireBool(true)));
        let M::Meters(muted) = engine.call(M::QueryMeters) else {
            panic!("expected meters")
        };
        assert_eq!(muted[1].level.rms_db, f64::NEG_INFINITY);
    }

    #[test]
    fn presets_save_load_and_refuse() {
        let mut engine = Engine::default();
        engine.call(M::SetGain(ChannelId(0), -12.0));
        let saved = engine.call(M::SavePreset(WireText::from("Scène 1")));
        assert_eq!(
            saved,
            M::Preset(Either::Right(PresetSummary {
                name: WireText::from("Scène 1"),
                channels: 8
            }))
        );
        engine.call(M::LoadPreset(WireText::from("Unity")));
        assert_eq!(
            channel(engine.call(M::GetChannel(ChannelId(0)))).gain_db,
            0.0
        );
        engine.call(M::LoadPreset(WireText::from("Scène 1")));
        assert_eq!(
            channel(engine.call(M::GetChannel(ChannelId(0)))).gain_db,
            -12.0
        );
        assert_eq!(
            engine.call(M::LoadPreset(WireText::from("nope"))),
            M::Preset(Either::Left(PresetError::UnknownPreset(WireText::from(
                "nope"
            ))))
        );
        assert_eq!(
            engine.call(M::SavePreset(WireText::default())),
            M::Preset(Either::Left(PresetError::InvalidName))
        );
        for n in 0..MAX_PRESETS {
            engine.call(M::SavePreset(WireText(format!("p{n}"))));
        }
        assert_eq!(
            engine.call(M::SavePreset(WireText::from("one more"))),
            M::Preset(Either::Left(PresetError::PresetsFull(MAX_PRESETS)))
        );
    }

    #[test]
    fn automation_keeps_increasing_points_and_ends_at_the_last() {
        let mut engine = Engine::default();
        let id = ChannelId(3);
        let automation = |curve| Automation {
            channel: id,
            start_frame: 1_000,
            points: vec![
                (0, -6.0),
                (480, -3.0),
                (240, 0.0),
                (960, f32::NAN),
                (960, -1.5),
            ],
            curve,
        };
        assert_eq!(
            engine.call(M::Automate(automation(Curve::Linear))),
            M::Automated(id, 3, 1_960)
        );
        assert_eq!(channel(engine.call(M::GetChannel(id))).gain_db, -1.5);
        assert_eq!(
            engine.call(M::Automate(automation(Curve::Exponential(f64::NAN)))),
            M::Automated(id, 0, 1_000)
        );
    }

    #[test]
    fn the_transport_never_goes_before_zero() {
        let mut engine = Engine::default();
        assert_eq!(engine.call(M::Seek(48_000)), M::Position(48_000));
        assert_eq!(engine.call(M::Seek(-1_000_000)), M::Position(0));
        assert_eq!(engine.call(M::Seek(i64::MAX)), M::Position(i64::MAX));
        assert_eq!(engine.call(M::Seek(1)), M::Position(i64::MAX));
    }
}
