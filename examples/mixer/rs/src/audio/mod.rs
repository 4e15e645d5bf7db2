//! The mixer's audio side: a render thread that plays the mixer in fixed blocks,
//! driven by a device, and the control worker's handle on it.
//!
//! Three threads, and what passes between them:
//! - the control worker (the bridge's worker thread, running the engine's
//!   handlers) owns `Audio`: it stores plain settings into shared atomics and
//!   pushes owned data (sources, automation lanes) into a wait-free ring
//!   (`params`);
//! - the render thread runs `render::Renderer::render` once per block, driven by
//!   the null device or a system device (`device`), inside the allocation guard
//!   ([`alloc_guard`]), at real-time priority where allowed (`priority`). It
//!   never locks, allocates, frees or calls into Haskell;
//! - the service thread (`service`) frees what the render thread replaced, turns
//!   its meter and xrun reports into events (emitting may allocate, so the render
//!   thread never does), writes recordings to WAV files, reads the WAV files the
//!   mixer imports and answers the calls that wait for a render-clock frame (from
//!   the clock the render thread publishes: the render thread takes no part).
//!
//! Dropping `Audio` stops and joins the render thread, then the service thread.

#[allow(unsafe_code)]
pub mod alloc_guard;
mod counters;
mod device;
mod params;
#[allow(unsafe_code)]
mod priority;
mod render;
mod service;

use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, OnceLock};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

use rs_in_hs::wire::{WireBool, WireText};
use rs_in_hs::{Events, Later};
use rtrb::{Producer, RingBuffer};

use crate::protocol::{
    AudioConfig, AudioDevice, AudioError, AudioFigures, ImportOutcome, LateBlock, Level,
    MeterFrame, Mixer, MixerEvents, RecordError,
};
use counters::Counters;
use params::{Command, Params, STRIPS};
pub(crate) use params::{Lane, Strip};
use render::{MeterLevel, RenderEnds, Renderer, Report};
pub(crate) use service::{Imports, cancel_noticed_unix_ns};
use service::{ServiceEnds, ServiceMessage};

/// The render thread's settings at power-on: 128-frame blocks at 48 kHz on the null
/// device, meters 30 times a second.
pub const DEFAULT_CONFIG: AudioConfig = AudioConfig {
    sample_rate: 48_000,
    block_frames: 128,
    meter_hz: 30,
    device: AudioDevice::Null,
};

/// The sample rates `StartAudio` takes, in Hz.
pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8_000..=192_000;

/// The block sizes `StartAudio` takes, in frames.
pub const BLOCK_FRAMES: std::ops::RangeInclusive<u32> = 16..=8_192;

/// How far ahead of the render clock a recording starts, in seconds: time for the
/// caller to schedule automation against its first frame.
const RECORD_LEAD_SECONDS: u64 = 1;

/// How many commands may wait for the render thread before the control worker
/// holds them back.
const COMMANDS: usize = 256;

/// How many reports may wait for the service thread before the render thread drops
/// them.
const REPORTS: usize = 1_024;

/// How many seconds of recorded samples may wait for the service thread.
const RECORD_SECONDS: usize = 2;

/// The control worker's handle on the audio side (see the module header).
pub(crate) struct Audio {
    config: AudioConfig,
    params: Arc<Params>,
    counters: Arc<Counters>,
    commands: Producer<Command>,
    /// Commands the full ring held back, at most one per channel and kind; sent
    /// before any newer command.
    backlog: Vec<Command>,
    render: Option<device::RenderThread>,
    /// The service thread's one strong sender (its nudges hold weak ones), and the
    /// thread.
    service: Option<(Arc<Sender<ServiceMessage>>, JoinHandle<()>)>,
}

impl std::fmt::Debug for Audio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Audio")
            .field("config", &self.config)
            .field("backlog", &self.backlog.len())
            .finish_non_exhaustive()
    }
}

/// Checks a configuration's ranges.
fn check(config: &AudioConfig) -> Result<(), AudioError> {
    if !SAMPLE_RATES.contains(&config.sample_rate) {
        return Err(AudioError::SampleRate(config.sample_rate));
    }
    if !BLOCK_FRAMES.contains(&config.block_frames) {
        return Err(AudioError::BlockFrames(config.block_frames));
    }
    if config.meter_hz > config.sample_rate {
        return Err(AudioError::MeterRate(config.meter_hz));
    }
    Ok(())
}

impl Audio {
    /// Starts the render thread, its device and the service thread, every channel
    /// silent. A system device that cannot start falls back to the null device
    /// (the figures name the device that runs). The render thread's meters and
    /// xruns become events on `events`, once it is set; the WAV files it imports go
    /// to `imports`.
    pub fn start(
        config: AudioConfig,
        events: Arc<OnceLock<Events<Mixer>>>,
        imports: Arc<Imports>,
    ) -> Result<Audio, AudioError> {
        check(&config)?;
        let params = Arc::new(Params::default());
        let counters = Arc::new(Counters::default());
        let (commands, commands_rx) = RingBuffer::new(COMMANDS);
        // Room for every command plus what the renderer holds, so the renderer
        // never waits to send garbage back.
        let (garbage_tx, garbage) = RingBuffer::new(COMMANDS + 2 * STRIPS);
        let (reports_tx, reports) = RingBuffer::new(REPORTS);
        let (recording_tx, recording) =
            RingBuffer::new(RECORD_SECONDS * 2 * config.sample_rate as usize);
        let meter_interval = match config.meter_hz {
            0 => 0,
            hz => u64::from(config.sample_rate / hz),
        };
        let renderer = Renderer::new(
            Arc::clone(&params),
            Arc::clone(&counters),
            RenderEnds {
                commands: commands_rx,
                garbage: garbage_tx,
                reports: reports_tx,
                recording: recording_tx,
            },
            meter_interval,
        );
        let (service_tx, service_rx) = mpsc::channel();
        let service_tx = Arc::new(service_tx);
        let service = service::spawn(
            ServiceEnds {
                garbage,
                reports,
                recording,
            },
            Arc::clone(&counters),
            (Arc::downgrade(&service_tx), service_rx),
            Box::new(move |report| {
                if let Some(events) = events.get() {
                    emit(events, report);
                }
            }),
            imports,
        );
        let (render, device) = start_device(renderer, &counters, &config);
        Ok(Audio {
            config: AudioConfig { device, ..config },
            params,
            counters,
            commands,
            backlog: Vec::new(),
            render: Some(render),
            service: Some((service_tx, service)),
        })
    }

    /// The configuration that runs (with the device that runs).
    pub fn config(&self) -> AudioConfig {
        self.config
    }

    /// Channel `index`'s plain settings now apply.
    pub fn set_strip(&self, index: usize, strip: Strip) {
        self.params.set_strip(index, strip);
    }

    /// The master gain now applies.
    pub fn set_master_db(&self, gain_db: f32) {
        self.params.set_master_db(gain_db);
    }

    /// Channel `index` plays `samples` in a loop (none: silence).
    pub fn set_source(&mut self, index: usize, samples: &[f32]) {
        self.send(Command::Source(index, samples.into()));
    }

    /// Channel `index` follows `lane`, or its plain gain for none.
    pub fn set_lane(&mut self, index: usize, lane: Option<&Lane>) {
        self.send(Command::Lane(index, lane.cloned().map(Box::new)));
    }

    fn send(&mut self, command: Command) {
        self.backlog.retain(|held| !command.supersedes(held));
        self.backlog.push(command);
        self.flush();
    }

    /// Sends the held-back commands, in order, as far as the ring has room.
    pub fn flush(&mut self) {
        let mut held = std::mem::take(&mut self.backlog).into_iter();
        for command in held.by_ref() {
            if let Err(rtrb::PushError::Full(command)) = self.commands.push(command) {
                self.backlog.push(command);
                break;
            }
        }
        self.backlog.extend(held);
    }

    /// Records `frames` frames of the output to a 16-bit stereo WAV file at `path`,
    /// starting a second ahead of the render clock; answers with the render-clock
    /// frame the recording starts at.
    pub fn record(&mut self, path: &Path, frames: u64) -> Result<u64, RecordError> {
        if self.counters.recording.load(Ordering::Acquire) {
            return Err(RecordError::Busy);
        }
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: self.config.sample_rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let wav = hound::WavWriter::create(path, spec)
            .map_err(|e| RecordError::CannotCreate(WireText(e.to_string())))?;
        let start = self.counters.frame.load(Ordering::Acquire)
            + RECORD_LEAD_SECONDS * u64::from(self.config.sample_rate);
        let end = start.saturating_add(frames);
        let Some((service, _)) = &self.service else {
            return Err(RecordError::Busy);
        };
        self.counters.recording.store(true, Ordering::Release);
        self.counters.recorded.store(0, Ordering::Relaxed);
        self.counters.record_dropped.store(0, Ordering::Relaxed);
        // The file first: the service thread reads recorded samples only once it
        // has it.
        if service.send(ServiceMessage::Record { wav, end }).is_err() {
            return Err(RecordError::Busy);
        }
        self.params.set_record_window(start, end);
        Ok(start)
    }

    /// Has the service thread answer `reply` with the render clock once it reaches
    /// `frame`.
    pub fn await_frame(&self, frame: u64, reply: Later<u64>) {
        self.to_service(ServiceMessage::AwaitFrame { frame, reply });
    }

    /// Has the service thread read the WAV file at `path` for channel `channel`
    /// (left in the imports given to [`Audio::start`]) and answer `reply`.
    pub fn import(&self, channel: usize, path: String, reply: Later<Option<ImportOutcome>>) {
        self.to_service(ServiceMessage::Import {
            channel,
            path,
            reply,
        });
    }

    /// Sends the service thread a message; one it can no longer take is dropped
    /// (with any reply handle in it, whose caller gets `Unanswered`).
    fn to_service(&self, message: ServiceMessage) {
        if let Some((service, _)) = &self.service {
            let _ = service.send(message);
        }
    }

    /// What the audio side did so far.
    pub fn figures(&self) -> AudioFigures {
        let c = &self.counters;
        let durations = c.durations();
        let load = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed);
        AudioFigures {
            config: self.config,
            block_period_ns: u64::try_from(
                device::period(self.config.block_frames, self.config.sample_rate).as_nanos(),
            )
            .unwrap_or(u64::MAX),
            blocks: load(&c.blocks),
            deadline_misses: load(&c.misses),
            callback_p50_ns: durations.p50_ns,
            callback_p99_ns: durations.p99_ns,
            callback_max_ns: durations.max_ns,
            callback_allocations: load(&c.allocations),
            callback_frees: load(&c.frees),
            reports_dropped: load(&c.reports_dropped),
            frame: c.frame.load(Ordering::Acquire),
            recording: WireBool(c.recording.load(Ordering::Acquire)),
            frames_recorded: load(&c.recorded),
            frames_record_dropped: load(&c.record_dropped),
            realtime_priority: WireBool(c.realtime.load(Ordering::Acquire)),
        }
    }
}

/// Emits a report of the render thread as its event.
fn emit(events: &Events<Mixer>, report: Report) {
    match report {
        Report::Meters { frame, levels } => events.meters(MeterFrame {
            frame,
            emitted_unix_ns: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| {
                    u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
                }),
            levels: levels.iter().map(level).collect(),
        }),
        Report::Xrun { frame, late_ns } => events.xrun(LateBlock { frame, late_ns }),
    }
}

/// A meter level in dBFS (negative infinity for silence).
fn level(meter: &MeterLevel) -> Level {
    Level {
        peak_db: 20.0 * meter.peak.log10(),
        rms_db: 20.0 * meter.rms.log10(),
    }
}

/// Starts the configured device, or the null device if it is the null device or
/// cannot start; answers with the device that runs.
fn start_device(
    renderer: Renderer,
    counters: &Arc<Counters>,
    config: &AudioConfig,
) -> (device::RenderThread, AudioDevice) {
    let counters = Arc::clone(counters);
    #[cfg(feature = "cpal")]
    let renderer = if config.device == AudioDevice::System {
        match device::start_system(
            Box::new(renderer),
            Arc::clone(&counters),
            config.block_frames,
            config.sample_rate,
        ) {
            Ok(render) => return (render, AudioDevice::System),
            Err((renderer, why)) => {
                eprintln!("mixer: no system audio device ({why}); using the null device");
                *renderer
            }
        }
    } else {
        renderer
    };
    (
        device::start_null(renderer, counters, config.block_frames, config.sample_rate),
        AudioDevice::Null,
    )
}

impl Drop for Audio {
    /// Stops and joins the render thread, then the service thread (which frees the
    /// rest and closes an open recording).
    fn drop(&mut self) {
        drop(self.render.take());
        if let Some((sender, thread)) = self.service.take() {
            drop(sender);
            if thread.join().is_err() {
                eprintln!("mixer: the service thread panicked");
            }
        }
    }
}
