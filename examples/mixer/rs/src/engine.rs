//! The mixer engine: what the bridge's worker thread runs for each message.
//!
//! Plain safe Rust that knows nothing of Haskell or of the C ABI. It plays a small
//! mixer: channels with gain, pan, mute, delay and a label, meters fed by the samples
//! written to each channel, a master gain, named presets, gain automation and a
//! transport. The handlers are the control side: they keep the mixer's state and
//! hand every change to the render thread ([`crate::audio`]), which plays each
//! channel's last written samples in a loop through its settings.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::sync::{Arc, OnceLock};

use rs_in_hs::wire::{WireBool, WireChar, WireText, from_wire_string, wire_string};

use rs_in_hs::{Events, Later};

use crate::audio::{self, Audio, Imports, Lane};
use crate::protocol::{
    AudioFigures, AudioStarted, Automate, Automated, Automation, AwaitFrame, Call, Cast, ChannelId,
    ChannelInfo, Curve, Either, GetChannel, ImportOutcome, ImportWav, Level, LoadPreset,
    MeterReading, Mixer, MixerCalls, MixerCasts, Ping, Pong, PresetError, PresetOutcome,
    PresetSummary, QueryAudio, QueryMeters, Record, RecordOutcome, Reply, Request, Reset,
    ResetMeters, SamplesWritten, SavePreset, Seek, SetDelay, SetGain, SetLabel, SetMaster, SetMute,
    SetPan, StartAudio, Transport, TransportCommand, WriteSamples,
};

/// How many channels the mixer has (`ChannelId(0)` to `ChannelId(CHANNELS - 1)`).
pub const CHANNELS: u16 = 8;

/// The gain range in dB; channel gains, the master gain and automation clamp to it.
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
    /// The last samples written, full scale 1.0: what the channel plays.
    source: Vec<f32>,
    /// The automation lane the channel follows instead of its gain, if any.
    lane: Option<Lane>,
}

impl Strip {
    /// The strip at power-on: unity gain, centred, labelled `Ch <n>` from 1.
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
            source: Vec::new(),
            lane: None,
        }
    }

    /// The settings the render thread reads.
    fn audio(&self) -> audio::Strip {
        audio::Strip {
            gain_db: self.gain_db,
            pan: self.pan,
            muted: self.muted,
            delay_samples: self.delay_samples,
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

    /// The level after the strip's gain and mute and the master gain, in dBFS.
    fn level(&self, master_gain_db: f32) -> Level {
        let to_db = |fraction: f64| {
            if self.muted || fraction == 0.0 {
                f64::NEG_INFINITY
            } else {
                20.0 * fraction.log10() + f64::from(self.gain_db) + f64::from(master_gain_db)
            }
        };
        Level {
            // Narrowing to f32 is the meter's resolution.
            peak_db: to_db(self.input_peak) as f32,
            rms_db: to_db(self.input_rms),
        }
    }

    fn settings(&self) -> StripSettings {
        StripSettings {
            gain_db: self.gain_db,
            pan: self.pan,
            muted: self.muted,
            delay_samples: self.delay_samples,
        }
    }
}

/// The settings a preset restores (not the labels or meters).
#[derive(Clone, Copy, Debug, PartialEq)]
struct StripSettings {
    gain_db: f32,
    pan: i8,
    muted: bool,
    delay_samples: i32,
}

/// The mixer's state, owned by the bridge's worker thread for one `withRust`, and
/// its render thread, which starts with it and is stopped and joined when it is
/// dropped.
#[derive(Debug)]
pub struct MixerEngine {
    strips: Vec<Strip>,
    presets: BTreeMap<String, Vec<StripSettings>>,
    master_gain_db: f32,
    /// The transport's frame, never negative.
    position: i64,
    audio: Audio,
    /// Where the audio side's meters and xruns go, once the engine has its handle.
    events: Arc<OnceLock<Events<Mixer>>>,
    /// The WAV files the service thread read, kept across restarts of the audio
    /// side; each becomes its channel's source with the next message.
    imports: Arc<Imports>,
}

impl Default for MixerEngine {
    /// The power-on state, with the built-in preset `"Unity"` holding it, and the
    /// render thread running [`audio::DEFAULT_CONFIG`].
    fn default() -> Self {
        let strips: Vec<Strip> = (0..CHANNELS).map(Strip::new).collect();
        let unity = strips.iter().map(Strip::settings).collect();
        let events = Arc::default();
        let imports = Arc::default();
        let audio = Audio::start(
            audio::DEFAULT_CONFIG,
            Arc::clone(&events),
            Arc::clone(&imports),
        )
        .expect("the default audio configuration is valid");
        let mut engine = MixerEngine {
            strips,
            presets: BTreeMap::from([("Unity".to_owned(), unity)]),
            master_gain_db: 0.0,
            position: 0,
            audio,
            events,
            imports,
        };
        engine.sync_audio();
        engine
    }
}

impl rs_in_hs::Engine for MixerEngine {
    type Protocol = Mixer;

    fn new((): (), events: Events<Mixer>) -> Self {
        let engine = MixerEngine::default();
        // A new engine's cell is empty: this is its one value.
        let _ = engine.events.set(events);
        engine
    }

    fn call(&mut self, request: Request) -> Reply {
        self.catch_up();
        request.dispatch(self)
    }

    fn call_later(&mut self, call: Call) {
        self.catch_up();
        call.dispatch(self);
    }

    fn cast(&mut self, message: Cast) {
        self.catch_up();
        message.dispatch(self);
    }
}

/// Clamps a gain to [`GAIN_RANGE_DB`]; `None` for NaN or an infinity.
fn clamp_gain(gain_db: f32) -> Option<f32> {
    gain_db
        .is_finite()
        .then(|| gain_db.clamp(*GAIN_RANGE_DB.start(), *GAIN_RANGE_DB.end()))
}

impl MixerEngine {
    fn strip(&mut self, id: ChannelId) -> Option<&mut Strip> {
        self.strips.get_mut(usize::from(id.0))
    }

    /// Applies `change` to a channel, hands its settings to the render thread and
    /// answers with them, or `None` if it does not exist.
    fn update(&mut self, id: ChannelId, change: impl FnOnce(&mut Strip)) -> Option<ChannelInfo> {
        let index = usize::from(id.0);
        let strip = self.strips.get_mut(index)?;
        change(strip);
        self.audio.set_strip(index, strip.audio());
        Some(strip.info(id))
    }

    /// Before each message: sends the commands the ring held back, and makes each
    /// imported WAV file its channel's source.
    fn catch_up(&mut self) {
        self.audio.flush();
        for (index, samples) in self.imports.take() {
            if let Some(strip) = self.strips.get_mut(index) {
                strip.source = samples;
                self.audio.set_source(index, &strip.source);
            }
        }
    }

    /// Hands every setting, source and lane to the render thread.
    fn sync_audio(&mut self) {
        for (index, strip) in self.strips.iter().enumerate() {
            self.audio.set_strip(index, strip.audio());
            self.audio.set_source(index, &strip.source);
            self.audio.set_lane(index, strip.lane.as_ref());
        }
        self.audio.set_master_db(self.master_gain_db);
    }
}

impl MixerCalls for MixerEngine {
    fn ping(&mut self, _: Ping) -> Pong {
        Pong
    }

    /// Also ends the channel's automation.
    fn set_gain(&mut self, SetGain { channel, gain_db }: SetGain) -> Option<ChannelInfo> {
        if let Some(strip) = self.strip(channel)
            && strip.lane.take().is_some()
        {
            self.audio.set_lane(usize::from(channel.0), None);
        }
        self.update(channel, |strip| {
            if let Some(gain_db) = clamp_gain(gain_db) {
                strip.gain_db = gain_db;
            }
        })
    }

    fn set_mute(&mut self, SetMute { channel, muted }: SetMute) -> Option<ChannelInfo> {
        self.update(channel, |strip| strip.muted = muted.0)
    }

    fn set_pan(&mut self, SetPan { channel, pan }: SetPan) -> Option<ChannelInfo> {
        self.update(channel, |strip| strip.pan = pan.clamp(-100, 100))
    }

    fn set_delay(
        &mut self,
        SetDelay {
            channel,
            delay_samples,
        }: SetDelay,
    ) -> Option<ChannelInfo> {
        self.update(channel, |strip| {
            strip.delay_samples = delay_samples.clamp(-MAX_DELAY_SAMPLES, MAX_DELAY_SAMPLES);
        })
    }

    fn set_label(
        &mut self,
        SetLabel {
            channel,
            label,
            glyph,
        }: SetLabel,
    ) -> Option<ChannelInfo> {
        self.update(channel, |strip| {
            strip.label = from_wire_string(&label[..label.len().min(MAX_LABEL_CHARS)]);
            strip.glyph = glyph.0;
        })
    }

    fn get_channel(&mut self, GetChannel(channel): GetChannel) -> Option<ChannelInfo> {
        self.update(channel, |_| ())
    }

    fn write_samples(
        &mut self,
        WriteSamples { channel, samples }: WriteSamples,
    ) -> Option<SamplesWritten> {
        let index = usize::from(channel.0);
        let strip = self.strips.get_mut(index)?;
        let samples: Vec<i16> = samples
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
        strip.source = samples
            .iter()
            .map(|&s| (f64::from(s) / FULL_SCALE) as f32)
            .collect();
        self.audio.set_source(index, &strip.source);
        let frames = u32::try_from(samples.len()).unwrap_or(u32::MAX);
        Some(SamplesWritten { frames, peak })
    }

    fn query_meters(&mut self, _: QueryMeters) -> Vec<MeterReading> {
        (0..CHANNELS)
            .zip(&self.strips)
            .map(|(index, strip)| {
                let level = strip.level(self.master_gain_db);
                MeterReading {
                    channel: ChannelId(index),
                    level,
                    clipped: WireBool(level.peak_db > 0.0),
                }
            })
            .collect()
    }

    fn load_preset(&mut self, LoadPreset { name }: LoadPreset) -> PresetOutcome {
        let Some(saved) = self.presets.get(&name.0) else {
            return Either::Left(PresetError::UnknownPreset(name));
        };
        for (index, (strip, settings)) in self.strips.iter_mut().zip(saved).enumerate() {
            strip.gain_db = settings.gain_db;
            strip.pan = settings.pan;
            strip.muted = settings.muted;
            strip.delay_samples = settings.delay_samples;
            self.audio.set_strip(index, strip.audio());
        }
        Either::Right(summary(name, saved.len()))
    }

    fn save_preset(&mut self, SavePreset { name }: SavePreset) -> PresetOutcome {
        if name.0.is_empty() || name.0.len() > MAX_PRESET_NAME_BYTES {
            return Either::Left(PresetError::InvalidName);
        }
        let is_new = !self.presets.contains_key(&name.0);
        if is_new && self.presets.len() >= usize::from(MAX_PRESETS) {
            return Either::Left(PresetError::PresetsFull(MAX_PRESETS));
        }
        let saved: Vec<StripSettings> = self.strips.iter().map(Strip::settings).collect();
        let channels = saved.len();
        self.presets.insert(name.0.clone(), saved);
        Either::Right(summary(name, channels))
    }

    /// Keeps the points whose offsets increase strictly and whose gains are finite
    /// (the rest are dropped, the gains clamped), and leaves the channel at the last
    /// kept point's gain. A non-finite exponential curve keeps no point. The
    /// channel plays the kept points as its gain, on the render clock, until its
    /// gain is set again (no point kept: its gain).
    fn automate(&mut self, Automate(automation): Automate) -> Option<Automated> {
        let Automation {
            channel,
            start_frame,
            points,
            curve,
        } = automation;
        let index = usize::from(channel.0);
        let strip = self.strips.get_mut(index)?;
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
        let points_kept = u32::try_from(kept.len()).unwrap_or(u32::MAX);
        strip.lane = (!kept.is_empty()).then_some(Lane {
            start_frame,
            points: kept,
            curve,
        });
        self.audio.set_strip(index, strip.audio());
        self.audio.set_lane(index, strip.lane.as_ref());
        Some(Automated {
            channel,
            points_kept,
            end_frame: start_frame.saturating_add(end),
        })
    }

    fn seek(&mut self, Seek { delta_frames }: Seek) -> i64 {
        self.position = self.position.saturating_add(delta_frames).max(0);
        self.position
    }

    /// The render thread keeps running, and every channel falls silent.
    fn reset(&mut self, _: Reset) {
        self.strips = (0..CHANNELS).map(Strip::new).collect();
        self.master_gain_db = 0.0;
        self.position = 0;
        self.sync_audio();
    }

    fn start_audio(&mut self, StartAudio(config): StartAudio) -> AudioStarted {
        match Audio::start(config, Arc::clone(&self.events), Arc::clone(&self.imports)) {
            Ok(audio) => {
                // The old render thread stops here, once the new one runs.
                self.audio = audio;
                self.sync_audio();
                AudioStarted::Started(self.audio.config().device)
            }
            Err(refused) => AudioStarted::AudioRefused(refused),
        }
    }

    fn record(&mut self, Record { path, frames }: Record) -> RecordOutcome {
        match self.audio.record(std::path::Path::new(&path.0), frames) {
            Ok(start) => RecordOutcome::Recording(start),
            Err(refused) => RecordOutcome::RecordRefused(refused),
        }
    }

    fn query_audio(&mut self, _: QueryAudio) -> AudioFigures {
        self.audio.figures()
    }

    fn import_wav(
        &mut self,
        ImportWav { channel, path }: ImportWav,
        reply: Later<Option<ImportOutcome>>,
    ) {
        if usize::from(channel.0) < self.strips.len() {
            self.audio.import(usize::from(channel.0), path.0, reply);
        } else {
            reply.answer(None);
        }
    }

    fn await_frame(&mut self, AwaitFrame(frame): AwaitFrame, reply: Later<u64>) {
        self.audio.await_frame(frame, reply);
    }
}

impl MixerCasts for MixerEngine {
    fn set_master(&mut self, SetMaster { gain_db }: SetMaster) {
        if let Some(gain_db) = clamp_gain(gain_db) {
            self.master_gain_db = gain_db;
            self.audio.set_master_db(gain_db);
        }
    }

    fn reset_meters(&mut self, _: ResetMeters) {
        for strip in &mut self.strips {
            strip.input_peak = 0.0;
            strip.input_rms = 0.0;
        }
    }

    fn transport(&mut self, Transport(command): Transport) {
        self.position = match command {
            TransportCommand::Rewind => 0,
            TransportCommand::Locate(frame) => i64::try_from(frame).unwrap_or(i64::MAX),
        };
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
    use rs_in_hs::Engine as _;

    fn channel(reply: Option<ChannelInfo>) -> ChannelInfo {
        reply.expect("the channel exists")
    }

    fn text(s: &str) -> WireText {
        WireText::from(s)
    }

    #[test]
    fn the_engine_dispatches_each_message_to_its_method() {
        let mut engine = MixerEngine::default();
        assert_eq!(engine.call(Request::Ping(Ping)), Reply::Ping(Pong));
        assert_eq!(
            engine.call(Request::Seek(Seek { delta_frames: 5 })),
            Reply::Seek(5)
        );
        engine.cast(Cast::Transport(Transport(TransportCommand::Rewind)));
        assert_eq!(
            engine.call(Request::Seek(Seek { delta_frames: 0 })),
            Reply::Seek(0)
        );
        assert_eq!(engine.call(Request::Reset(Reset)), Reply::Reset(()));
    }

    #[test]
    fn channel_settings_are_clamped_and_unknown_channels_refused() {
        let mut engine = MixerEngine::default();
        let id = ChannelId(2);
        let gain = |gain_db| SetGain {
            channel: id,
            gain_db,
        };
        assert_eq!(channel(engine.set_gain(gain(40.0))).gain_db, 12.0);
        assert_eq!(channel(engine.set_gain(gain(f32::NAN))).gain_db, 12.0);
        assert_eq!(
            channel(engine.set_pan(SetPan {
                channel: id,
                pan: -128
            }))
            .pan,
            -100
        );
        let delay = engine.set_delay(SetDelay {
            channel: id,
            delay_samples: i32::MIN,
        });
        assert_eq!(channel(delay).delay_samples, -MAX_DELAY_SAMPLES);
        let long = "Überlänge — ".repeat(5);
        let info = channel(engine.set_label(SetLabel {
            channel: id,
            label: wire_string(&long),
            glyph: WireChar('🎸'),
        }));
        assert_eq!(info.label.len(), MAX_LABEL_CHARS);
        assert_eq!(info.glyph, WireChar('🎸'));
        let muted = engine.set_mute(SetMute {
            channel: id,
            muted: WireBool(true),
        });
        assert!(channel(muted).muted.0);
        assert_eq!(engine.get_channel(GetChannel(ChannelId(CHANNELS))), None);
        assert_eq!(
            engine.set_gain(SetGain {
                channel: ChannelId(CHANNELS),
                gain_db: 0.0
            }),
            None
        );
        assert_eq!(
            engine.write_samples(WriteSamples {
                channel: ChannelId(99),
                samples: vec![1, 2]
            }),
            None
        );
    }

    #[test]
    fn meters_follow_samples_gain_mute_and_master() {
        let mut engine = MixerEngine::default();
        let id = ChannelId(1);
        // Full-scale negative peak: -32768, plus a trailing odd byte that is ignored.
        let written = engine.write_samples(WriteSamples {
            channel: id,
            samples: vec![0x00, 0x80, 0x00, 0x40, 0x07],
        });
        assert_eq!(
            written,
            Some(SamplesWritten {
                frames: 2,
                peak: i16::MIN
            })
        );
        engine.set_gain(SetGain {
            channel: id,
            gain_db: 6.0,
        });
        let meters = engine.query_meters(QueryMeters);
        assert_eq!(meters.len(), usize::from(CHANNELS));
        assert_eq!(meters[1].level.peak_db, 6.0);
        assert!(meters[1].clipped.0);
        assert!(meters[0].level.peak_db.is_infinite() && !meters[0].clipped.0);

        engine.set_master(SetMaster { gain_db: -10.0 });
        assert_eq!(engine.query_meters(QueryMeters)[1].level.peak_db, -4.0);
        engine.set_master(SetMaster {
            gain_db: f32::INFINITY,
        });
        assert_eq!(engine.query_meters(QueryMeters)[1].level.peak_db, -4.0);
        engine.set_master(SetMaster { gain_db: -200.0 });
        assert_eq!(engine.query_meters(QueryMeters)[1].level.peak_db, -90.0);

        engine.set_mute(SetMute {
            channel: id,
            muted: WireBool(true),
        });
        assert_eq!(
            engine.query_meters(QueryMeters)[1].level.rms_db,
            f64::NEG_INFINITY
        );
    }

    #[test]
    fn reset_meters_silences_every_channel() {
        let mut engine = MixerEngine::default();
        for index in 0..CHANNELS {
            engine.write_samples(WriteSamples {
                channel: ChannelId(index),
                samples: vec![0xff, 0x7f],
            });
        }
        assert!(
            engine
                .query_meters(QueryMeters)
                .iter()
                .all(|reading| reading.level.peak_db.is_finite())
        );
        engine.reset_meters(ResetMeters);
        assert!(engine.query_meters(QueryMeters).iter().all(|reading| {
            reading.level.peak_db == f32::NEG_INFINITY && reading.level.rms_db == f64::NEG_INFINITY
        }));
    }

    #[test]
    fn presets_save_load_and_refuse() {
        let mut engine = MixerEngine::default();
        let first = ChannelId(0);
        engine.set_gain(SetGain {
            channel: first,
            gain_db: -12.0,
        });
        assert_eq!(
            engine.save_preset(SavePreset {
                name: text("Scène 1")
            }),
            Either::Right(PresetSummary {
                name: text("Scène 1"),
                channels: 8
            })
        );
        engine.load_preset(LoadPreset {
            name: text("Unity"),
        });
        assert_eq!(channel(engine.get_channel(GetChannel(first))).gain_db, 0.0);
        engine.load_preset(LoadPreset {
            name: text("Scène 1"),
        });
        assert_eq!(
            channel(engine.get_channel(GetChannel(first))).gain_db,
            -12.0
        );
        assert_eq!(
            engine.load_preset(LoadPreset { name: text("nope") }),
            Either::Left(PresetError::UnknownPreset(text("nope")))
        );
        assert_eq!(
            engine.save_preset(SavePreset {
                name: WireText::default()
            }),
            Either::Left(PresetError::InvalidName)
        );
        assert_eq!(
            engine.save_preset(SavePreset {
                name: WireText("x".repeat(MAX_PRESET_NAME_BYTES + 1))
            }),
            Either::Left(PresetError::InvalidName)
        );
        for n in 0..MAX_PRESETS {
            engine.save_preset(SavePreset {
                name: WireText(format!("p{n}")),
            });
        }
        assert_eq!(
            engine.save_preset(SavePreset {
                name: text("one more")
            }),
            Either::Left(PresetError::PresetsFull(MAX_PRESETS))
        );
        // Replacing a preset needs no free slot.
        assert!(
            engine
                .save_preset(SavePreset { name: text("p0") })
                .is_right()
        );
    }

    #[test]
    fn automation_keeps_increasing_points_and_ends_at_the_last() {
        let mut engine = MixerEngine::default();
        let id = ChannelId(3);
        let automation = |curve| {
            Automate(Automation {
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
            })
        };
        assert_eq!(
            engine.automate(automation(Curve::Linear)),
            Some(Automated {
                channel: id,
                points_kept: 3,
                end_frame: 1_960
            })
        );
        assert_eq!(channel(engine.get_channel(GetChannel(id))).gain_db, -1.5);
        assert_eq!(
            engine.automate(automation(Curve::Exponential(f64::NAN))),
            Some(Automated {
                channel: id,
                points_kept: 0,
                end_frame: 1_000
            })
        );
        assert_eq!(
            engine.automate(Automate(Automation {
                channel: ChannelId(CHANNELS),
                start_frame: 0,
                points: vec![(0, 0.0)],
                curve: Curve::Step,
            })),
            None
        );
    }

    #[test]
    fn the_transport_never_goes_before_zero() {
        let mut engine = MixerEngine::default();
        let mut seek = |delta_frames| engine.seek(Seek { delta_frames });
        assert_eq!(seek(48_000), 48_000);
        assert_eq!(seek(-1_000_000), 0);
        assert_eq!(seek(i64::MAX), i64::MAX);
        assert_eq!(seek(1), i64::MAX);
        engine.transport(Transport(TransportCommand::Locate(u64::MAX)));
        assert_eq!(engine.seek(Seek { delta_frames: 0 }), i64::MAX);
        engine.transport(Transport(TransportCommand::Locate(480)));
        assert_eq!(engine.seek(Seek { delta_frames: -80 }), 400);
        engine.transport(Transport(TransportCommand::Rewind));
        assert_eq!(engine.seek(Seek { delta_frames: 0 }), 0);
    }

    #[test]
    fn reset_restores_the_power_on_state_but_keeps_the_presets() {
        let mut engine = MixerEngine::default();
        let id = ChannelId(5);
        engine.set_label(SetLabel {
            channel: id,
            label: wire_string("Bass"),
            glyph: WireChar('b'),
        });
        engine.set_gain(SetGain {
            channel: id,
            gain_db: -20.0,
        });
        engine.save_preset(SavePreset {
            name: text("quiet"),
        });
        engine.write_samples(WriteSamples {
            channel: id,
            samples: vec![0x00, 0x40],
        });
        engine.set_master(SetMaster { gain_db: 3.0 });
        engine.seek(Seek { delta_frames: 99 });

        engine.reset(Reset);
        assert_eq!(
            engine.get_channel(GetChannel(id)),
            Some(Strip::new(5).info(id))
        );
        assert!(
            engine
                .query_meters(QueryMeters)
                .iter()
                .all(|reading| reading.level.peak_db == f32::NEG_INFINITY)
        );
        assert_eq!(engine.master_gain_db, 0.0);
        assert_eq!(engine.seek(Seek { delta_frames: 0 }), 0);
        engine.load_preset(LoadPreset {
            name: text("quiet"),
        });
        assert_eq!(channel(engine.get_channel(GetChannel(id))).gain_db, -20.0);
    }
}
