//! The service thread: the render thread's non-real-time partner. Every few
//! milliseconds it frees what the render thread sent back, takes its reports, and
//! writes the recorded samples to the open WAV file. It stops when its control
//! channel is disconnected, after a last round.

use std::fs::File;
use std::io::BufWriter;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use rtrb::Consumer;

use super::counters::Counters;
use super::params::Garbage;
use super::render::Report;

/// How often the service thread looks at the rings.
const POLL: Duration = Duration::from_millis(2);

/// A WAV file being written.
pub(crate) type Wav = hound::WavWriter<BufWriter<File>>;

/// What the control worker tells the service thread.
pub(crate) enum ServiceMessage {
    /// Write the recorded samples to this file, and close it once the render clock
    /// has passed frame `end`.
    Record { wav: Wav, end: u64 },
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
}

/// Starts the service thread; `on_report` takes each report in order.
pub(crate) fn spawn(
    ends: ServiceEnds,
    counters: Arc<Counters>,
    messages: Receiver<ServiceMessage>,
    on_report: Box<dyn FnMut(Report) + Send>,
) -> JoinHandle<()> {
    let mut service = Service {
        ends,
        counters,
        on_report,
        wav: None,
    };
    std::thread::Builder::new()
        .name("mixer-service".into())
        .spawn(move || {
            loop {
                match messages.recv_timeout(POLL) {
                    Ok(ServiceMessage::Record { wav, end }) => service.wav = Some((wav, end)),
                    Err(RecvTimeoutError::Timeout) => {}
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
    /// Frees the garbage, passes the reports on, writes the recorded samples.
    fn round(&mut self) {
        while let Ok(garbage) = self.ends.garbage.pop() {
            drop(garbage);
        }
        while let Ok(report) = self.ends.reports.pop() {
            (self.on_report)(report);
        }
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
