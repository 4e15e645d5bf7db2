//! The render callback's state: it mixes every channel's source into an
//! interleaved stereo block, following the shared settings and the automation
//! lanes, and reports meters and recorded samples to the service thread.
//!
//! [`Renderer::render`] never locks, allocates, frees, blocks or calls into
//! Haskell: it loads atomics, swaps owned data in from a wait-free ring, sends what
//! it replaced back over another, and pushes meters and samples into rings that
//! drop (and count) what does not fit.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rtrb::{Consumer, Producer};

use super::counters::Counters;
use super::params::{Command, Garbage, Lane, Params, STRIPS};

/// A channel's post-fader peak and RMS over one meter interval, as fractions of
/// full scale.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct MeterLevel {
    pub peak: f32,
    pub rms: f64,
}

/// What the render thread reports to the service thread.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Report {
    /// The meters of the interval that ended at render-clock frame `frame`.
    Meters {
        frame: u64,
        levels: [MeterLevel; STRIPS],
    },
    /// The block that ended at render-clock frame `frame` missed its deadline by
    /// `late_ns`.
    Xrun { frame: u64, late_ns: u64 },
}

/// The render thread's ends of the rings.
#[derive(Debug)]
pub(crate) struct RenderEnds {
    pub commands: Consumer<Command>,
    pub garbage: Producer<Garbage>,
    pub reports: Producer<Report>,
    pub recording: Producer<f32>,
}

/// The render callback's state (see the module header).
#[derive(Debug)]
pub(crate) struct Renderer {
    params: Arc<Params>,
    counters: Arc<Counters>,
    ends: RenderEnds,
    sources: [Box<[f32]>; STRIPS],
    lanes: [Option<Box<Lane>>; STRIPS],
    /// The render clock: frames rendered so far.
    frame: u64,
    /// Frames per meter report (0: none), frames so far in this interval, and the
    /// interval's running peak and sum of squares per channel.
    meter_interval: u64,
    metered: u64,
    peaks: [f32; STRIPS],
    squares: [f64; STRIPS],
}

/// Linear gain of a level in dB.
fn linear(db: f32) -> f32 {
    10_f32.powf(db / 20.0)
}

impl Renderer {
    /// A renderer with every channel silent, reporting meters every
    /// `meter_interval` frames (never for 0).
    pub fn new(
        params: Arc<Params>,
        counters: Arc<Counters>,
        ends: RenderEnds,
        meter_interval: u64,
    ) -> Self {
        Renderer {
            params,
            counters,
            ends,
            sources: Default::default(),
            lanes: Default::default(),
            frame: 0,
            meter_interval,
            metered: 0,
            peaks: [0.0; STRIPS],
            squares: [0.0; STRIPS],
        }
    }

    /// Takes every queued command whose replaced data has room on the way back
    /// (so nothing is ever freed here).
    fn take_commands(&mut self) {
        while self.ends.garbage.slots() > 0 {
            let Ok(command) = self.ends.commands.pop() else {
                return;
            };
            let old = match command {
                Command::Source(channel, samples) => Some(Garbage::Source(std::mem::replace(
                    &mut self.sources[channel],
                    samples,
                ))),
                Command::Lane(channel, lane) => {
                    std::mem::replace(&mut self.lanes[channel], lane).map(Garbage::Lane)
                }
            };
            if let Some(old) = old {
                // Room was checked above and this thread is the only producer.
                let _ = self.ends.garbage.push(old);
            }
        }
    }

    /// Renders one block into `out`: interleaved stereo, `out.len() / 2` frames.
    pub fn render(&mut self, out: &mut [f32]) {
        self.take_commands();
        out.fill(0.0);
        let frames = out.len() / 2;
        let start = self.frame;
        let end = start + frames as u64;
        let master = self.params.master_db();
        for channel in 0..STRIPS {
            let strip = self.params.strip(channel);
            let source = &self.sources[channel];
            if strip.muted || source.is_empty() {
                continue;
            }
            // The gain moves linearly across the block from its value at the
            // block's first frame to its value at the next block's.
            let gain_at = |frame| {
                let db = self.lanes[channel]
                    .as_ref()
                    .map_or(strip.gain_db, |lane| lane.gain_db_at(frame));
                linear(db + master)
            };
            let (from, to) = (gain_at(start), gain_at(end));
            let angle = (f32::from(strip.pan) + 100.0) / 200.0 * std::f32::consts::FRAC_PI_2;
            let (left, right) = (angle.cos(), angle.sin());
            let len = source.len() as i64;
            let mut read = (start as i64 - i64::from(strip.delay_samples)).rem_euclid(len) as usize;
            let (mut peak, mut squares) = (self.peaks[channel], self.squares[channel]);
            for (i, frame) in out.chunks_exact_mut(2).enumerate() {
                let gain = from + (to - from) * (i as f32 / frames as f32);
                let sample = source[read] * gain;
                read = if read + 1 == source.len() {
                    0
                } else {
                    read + 1
                };
                frame[0] += sample * left;
                frame[1] += sample * right;
                peak = peak.max(sample.abs());
                squares += f64::from(sample) * f64::from(sample);
            }
            self.peaks[channel] = peak;
            self.squares[channel] = squares;
        }
        self.frame = end;
        self.record(start, out);
        self.meter(frames as u64);
        self.counters.frame.store(end, Ordering::Release);
    }

    /// Sends the part of `block` (which starts at render-clock frame `start`) that
    /// lies in the recording window to the service thread, or counts it dropped.
    fn record(&mut self, start: u64, block: &[f32]) {
        let (from, to) = self.params.record_window();
        let (first, last) = (from.max(start), to.min(self.frame));
        if first >= last {
            return;
        }
        let samples = &block[2 * (first - start) as usize..2 * (last - start) as usize];
        match self.ends.recording.write_chunk_uninit(samples.len()) {
            Ok(chunk) => {
                chunk.fill_from_iter(samples.iter().copied());
            }
            Err(_) => {
                self.counters
                    .record_dropped
                    .fetch_add(last - first, Ordering::Relaxed);
            }
        }
    }

    /// Ends the meter interval if `frames` more complete it.
    fn meter(&mut self, frames: u64) {
        if self.meter_interval == 0 {
            return;
        }
        self.metered += frames;
        if self.metered < self.meter_interval {
            return;
        }
        let mut levels = [MeterLevel::default(); STRIPS];
        for (channel, level) in levels.iter_mut().enumerate() {
            *level = MeterLevel {
                peak: self.peaks[channel],
                rms: (self.squares[channel] / self.metered as f64).sqrt(),
            };
        }
        self.report(Report::Meters {
            frame: self.frame,
            levels,
        });
        self.metered = 0;
        self.peaks = [0.0; STRIPS];
        self.squares = [0.0; STRIPS];
    }

    /// Reports that the last block missed its deadline by `late_ns`.
    pub fn xrun(&mut self, late_ns: u64) {
        self.report(Report::Xrun {
            frame: self.frame,
            late_ns,
        });
    }

    fn report(&mut self, report: Report) {
        if self.ends.reports.push(report).is_err() {
            self.counters
                .reports_dropped
                .fetch_add(1, Ordering::Relaxed);
        }
    }
}
