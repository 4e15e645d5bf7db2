//! The service thread: the render thread's non-real-time partner. Every few
//! milliseconds it frees what the render thread sent back, takes its reports,
//! writes the recorded samples to the open WAV file, and answers the calls waiting
//! for the render clock to reach a frame. It also reads the WAV files the mixer
//! imports, and answers their calls after the read. It stops when its control
//! channel is disconnected, after a last round.

use std::fs::File;
use std::future::Future;
use std::io::BufWriter;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::task::{Context, Wake, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rs_in_hs::Later;
use rs_in_hs::wire::WireText;
use rtrb::Consumer;

use crate::protocol::{ImportOutcome, Imported};

use super::counters::Counters;
use super::params::Garbage;
use super::render::Report;

/// How often the service thread looks at the rings.
const POLL: Duration = Duration::from_millis(2);

/// A WAV file being written.
pub(crate) type Wav = hound::WavWriter<BufWriter<File>>;

/// The longest WAV file the mixer imports: a minute at 192 kHz.
const MAX_IMPORT_FRAMES: u64 = 192_000 * 60;

/// What the control worker tells the service thread.
pub(crate) enum ServiceMessage {
    /// Write the recorded samples to this file, and close it once the render clock
    /// has passed frame `end`.
    Record { wav: Wav, end: u64 },
    /// Answer with the render clock once it has reached `frame`.
    AwaitFrame { frame: u64, reply: Later<u64> },
    /// Read the WAV file at `path`, leave its samples in the imports for channel
    /// `channel`, then answer.
    Import {
        channel: usize,
        path: String,
        reply: Later<Option<ImportOutcome>>,
    },
    /// The caller of a waiting call gave up: look at the waiting calls now.
    Nudge,
}

/// When the service thread last dropped a waiting call whose caller gave up, in
/// nanoseconds since the Unix epoch (the system clock, which the benchmark reads
/// too); 0 before the first.
static CANCEL_NOTICED_UNIX_NS: AtomicU64 = AtomicU64::new(0);

/// When the service thread last learnt that a waiting call's caller gave up (see
/// [`CANCEL_NOTICED_UNIX_NS`]), for the benchmark.
pub(crate) fn cancel_noticed_unix_ns() -> u64 {
    CANCEL_NOTICED_UNIX_NS.load(Ordering::Acquire)
}

/// Wakes the service thread with a [`ServiceMessage::Nudge`] when a waiting call's
/// caller gives up (it is the waker of the calls' `Cancelled` futures). Weak, so
/// that the control worker's sender stays the one whose drop stops the thread.
struct Nudge(Weak<Sender<ServiceMessage>>);

impl Wake for Nudge {
    fn wake(self: Arc<Self>) {
        if let Some(service) = self.0.upgrade() {
            let _ = service.send(ServiceMessage::Nudge);
        }
    }
}

/// Sources the service thread read, for the control worker to take.
#[derive(Debug, Default)]
pub(crate) struct Imports {
    /// Whether `sources` holds any: one load on the control path when it does not.
    ready: AtomicBool,
    sources: Mutex<Vec<(usize, Vec<f32>)>>,
}

impl Imports {
    fn put(&self, channel: usize, samples: Vec<f32>) {
        let mut sources = self.sources.lock().unwrap_or_else(PoisonError::into_inner);
        sources.push((channel, samples));
        self.ready.store(true, Ordering::Release);
    }

    /// The sources read since the last take, by channel, in the order read.
    pub fn take(&self) -> Vec<(usize, Vec<f32>)> {
        if !self.ready.swap(false, Ordering::AcqRel) {
            return Vec::new();
        }
        std::mem::take(&mut *self.sources.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The service thread's ends of the rings.
#[derive(Debug)]
pub(crate) struct ServiceEnds {
    pub garbage: Consumer<Garbage>,
    pub reports: Consumer<Report>,
    pub recording: Consumer<f32>,
}

struct Service {
    ends: ServiceEnds,
    counters: Arc<Counters>,
    on_report: Box<dyn FnMut(Report) + Send>,
    wav: Option<(Wav, u64)>,
    /// Calls waiting for the render clock to reach a frame.
    waiting: Vec<(u64, Later<u64>)>,
    imports: Arc<Imports>,
    /// Registered with each waiting call's cancellation future.
    nudge: Waker,
}

/// Starts the service thread, which takes its messages from `messages` (whose
/// sender is `sender`); `on_report` takes each report in order, and the imported
/// sources go to `imports`.
pub(crate) fn spawn(
    ends: ServiceEnds,
    counters: Arc<Counters>,
    (sender, messages): (Weak<Sender<ServiceMessage>>, Receiver<ServiceMessage>),
    on_report: Box<dyn FnMut(Report) + Send>,
    imports: Arc<Imports>,
) -> JoinHandle<()> {
    let mut service = Service {
        ends,
        counters,
        on_report,
        wav: None,
        waiting: Vec::new(),
        imports,
        nudge: Waker::from(Arc::new(Nudge(sender))),
    };
    std::thread::Builder::new()
        .name("mixer-service".into())
        .spawn(move || {
            loop {
                match messages.recv_timeout(POLL) {
                    Ok(ServiceMessage::Record { wav, end }) => service.wav = Some((wav, end)),
                    Ok(ServiceMessage::AwaitFrame { frame, reply }) => service.wait(frame, reply),
                    Ok(ServiceMessage::Import {
                        channel,
                        path,
                        reply,
                    }) => service.import(channel, &path, reply),
                    Ok(ServiceMessage::Nudge) | Err(RecvTimeoutError::Timeout) => {}
                    Err(RecvTimeoutError::Disconnected) => {
                        service.round();
                        service.close();
                        return;
                    }
                }
                service.round();
            }
        })
        .expect("spawn the service thread")
}

impl Service {
    /// Reads a WAV file, leaves its samples for the control worker, and answers.
    fn import(&self, channel: usize, path: &str, reply: Later<Option<ImportOutcome>>) {
        let outcome = match read_wav(path) {
            Ok((imported, samples)) => {
                self.imports.put(channel, samples);
                ImportOutcome::WavImported(imported)
            }
            Err(why) => ImportOutcome::ImportFailed(WireText(why)),
        };
        reply.answer(Some(outcome));
    }

    /// Keeps a call until the render clock reaches `frame`; its caller giving up
    /// first nudges this thread.
    fn wait(&mut self, frame: u64, reply: Later<u64>) {
        // One poll registers the nudge; a caller already gone is dropped this round.
        let _ = Pin::new(&mut reply.cancelled()).poll(&mut Context::from_waker(&self.nudge));
        self.waiting.push((frame, reply));
    }

    /// Answers the calls whose frame the render clock has reached, and drops those
    /// whose caller gave up.
    fn answer_waiting(&mut self) {
        if self.waiting.is_empty() {
            return;
        }
        let now = self.counters.frame.load(Ordering::Acquire);
        let (due, waiting) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|(frame, reply)| *frame <= now || reply.is_cancelled());
        self.waiting = waiting;
        for (_, reply) in due {
            if reply.is_cancelled() {
                let noticed = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |since| {
                        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
                    });
                CANCEL_NOTICED_UNIX_NS.store(noticed, Ordering::Release);
            } else {
                reply.answer(now);
            }
        }
    }

    /// Frees the garbage, passes the reports on, answers the calls waiting for a
    /// frame, writes the recorded samples.
    fn round(&mut self) {
        while let Ok(garbage) = self.ends.garbage.pop() {
            drop(garbage);
        }
        while let Ok(report) = self.ends.reports.pop() {
            (self.on_report)(report);
        }
        self.answer_waiting();
        // Samples wait in the ring until their file is here (the window opens only
        // after the file was sent).
        let Some((wav, end)) = &mut self.wav else {
            return;
        };
        // Read the clock first: every sample of the frames before it is in the ring.
        let done = self.counters.frame.load(Ordering::Acquire) >= *end;
        let available = self.ends.recording.slots();
        let chunk = self
            .ends
            .recording
            .read_chunk(available)
            .expect("the slots just counted");
        let (first, second) = chunk.as_slices();
        let written = first.iter().chain(second).try_for_each(|&sample| {
            // Narrowing to 16 bits is the file's resolution.
            wav.write_sample((sample.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16)
        });
        chunk.commit_all();
        self.counters
            .recorded
            .fetch_add(available as u64 / 2, Ordering::Relaxed);
        if let Err(error) = written {
            eprintln!("mixer: recording stopped: {error}");
            self.close();
        } else if done {
            self.close();
        }
    }

    /// Closes the open file, if any.
    fn close(&mut self) {
        if let Some((wav, _)) = self.wav.take()
            && let Err(error) = wav.finalize()
        {
            eprintln!("mixer: closing the recording: {error}");
        }
        self.counters.recording.store(false, Ordering::Release);
    }
}

/// A WAV file's samples mixed down to one channel, as `f32` in -1 to 1, and what
/// was read; or why it could not be.
fn read_wav(path: &str) -> Result<(Imported, Vec<f32>), String> {
    let mut reader = hound::WavReader::open(path).map_err(|e| e.to_string())?;
    let spec = reader.spec();
    if u64::from(reader.duration()) > MAX_IMPORT_FRAMES {
        return Err(format!("longer than {MAX_IMPORT_FRAMES} frames"));
    }
    let samples: Result<Vec<f32>, hound::Error> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect(),
        hound::SampleFormat::Int => {
            // Full scale of the file's resolution (hound reads at most 32 bits).
            let full_scale = (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|sample| sample.map(|s| s as f32 / full_scale))
                .collect()
        }
    };
    let samples = samples.map_err(|e| e.to_string())?;
    let channels = usize::from(spec.channels.max(1));
    let mono: Vec<f32> = samples
        .chunks(channels)
        .map(|frame| frame.iter().sum::<f32>() / frame.len() as f32)
        .collect();
    let imported = Imported {
        frames: mono.len() as u64,
        sample_rate: spec.sample_rate,
        channels: spec.channels,
    };
    Ok((imported, mono))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a 16-bit WAV file of `frames` frames on `channels` channels, each
    /// frame's samples `left` and (if stereo) `right`.
    fn write_wav(path: &std::path::Path, channels: u16, frames: u32, left: i16, right: i16) {
        let spec = hound::WavSpec {
            channels,
            sample_rate: 44_100,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut wav = hound::WavWriter::create(path, spec).unwrap();
        for _ in 0..frames {
            wav.write_sample(left).unwrap();
            if channels == 2 {
                wav.write_sample(right).unwrap();
            }
        }
        wav.finalize().unwrap();
    }

    #[test]
    fn a_stereo_file_is_mixed_down_and_scaled() {
        let path = std::env::temp_dir().join(format!("mixer-import-{}.wav", std::process::id()));
        write_wav(&path, 2, 100, i16::MAX / 2, 0);
        let (imported, samples) = read_wav(path.to_str().unwrap()).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            imported,
            Imported {
                frames: 100,
                sample_rate: 44_100,
                channels: 2
            }
        );
        assert_eq!(samples.len(), 100);
        assert!(
            samples.iter().all(|&s| (s - 0.25).abs() < 1e-3),
            "{:?}",
            samples[0]
        );
    }

    #[test]
    fn a_missing_file_is_refused_with_the_reason() {
        let why = read_wav("/no/such/file.wav").unwrap_err();
        assert!(!why.is_empty());
    }
}
