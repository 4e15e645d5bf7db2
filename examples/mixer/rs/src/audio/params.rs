//! What the control worker hands to the render thread, and what comes back.
//!
//! Plain settings (gain, pan, mute, delay, master gain, the recording window) are
//! atomics the control side stores and the render thread loads once per block:
//! wait-free both ways, and the render thread always sees the latest value.
//! Owned data (a channel's source samples, an automation lane) travels over a
//! wait-free ring ([`Command`]); what it replaces travels back over another
//! ([`Garbage`]) and is freed there, never on the render thread.

use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, Ordering};

use crate::engine::CHANNELS;
use crate::protocol::Curve;

/// How many channels the render thread mixes.
pub(crate) const STRIPS: usize = CHANNELS as usize;

/// One channel strip's plain settings.
#[derive(Debug, Default)]
pub(crate) struct StripParams {
    /// Gain in dB, as `f32` bits.
    gain_db: AtomicU32,
    pan: AtomicI32,
    muted: AtomicBool,
    delay_samples: AtomicI32,
}

/// One channel strip's settings as the render thread reads them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Strip {
    pub gain_db: f32,
    pub pan: i8,
    pub muted: bool,
    pub delay_samples: i32,
}

/// Every plain setting, shared by the control worker (which stores) and the render
/// thread (which loads). Each setting is independent, so relaxed ordering suffices;
/// the recording window is published with release/acquire.
#[derive(Debug, Default)]
pub(crate) struct Params {
    strips: [StripParams; STRIPS],
    /// The master gain in dB, as `f32` bits.
    master_db: AtomicU32,
    /// The render-clock frames `[record_start, record_end)` go to the recording.
    record_start: AtomicU64,
    record_end: AtomicU64,
}

impl Params {
    /// Stores channel `index`'s settings.
    pub fn set_strip(&self, index: usize, strip: Strip) {
        let to = &self.strips[index];
        to.gain_db.store(strip.gain_db.to_bits(), Ordering::Relaxed);
        to.pan.store(i32::from(strip.pan), Ordering::Relaxed);
        to.muted.store(strip.muted, Ordering::Relaxed);
        to.delay_samples
            .store(strip.delay_samples, Ordering::Relaxed);
    }

    /// Channel `index`'s settings.
    pub fn strip(&self, index: usize) -> Strip {
        let from = &self.strips[index];
        Strip {
            gain_db: f32::from_bits(from.gain_db.load(Ordering::Relaxed)),
            pan: i8::try_from(from.pan.load(Ordering::Relaxed)).unwrap_or(0),
            muted: from.muted.load(Ordering::Relaxed),
            delay_samples: from.delay_samples.load(Ordering::Relaxed),
        }
    }

    /// Stores the master gain.
    pub fn set_master_db(&self, gain_db: f32) {
        self.master_db.store(gain_db.to_bits(), Ordering::Relaxed);
    }

    /// The master gain in dB.
    pub fn master_db(&self) -> f32 {
        f32::from_bits(self.master_db.load(Ordering::Relaxed))
    }

    /// Sends render-clock frames `[start, end)` to the recording. The previous
    /// window must have ended before the render clock's current frame.
    pub fn set_record_window(&self, start: u64, end: u64) {
        self.record_start.store(start, Ordering::Release);
        self.record_end.store(end, Ordering::Release);
    }

    /// The frames that go to the recording. The end is read first: a new end comes
    /// with its start, and an old end lies in the past, which makes any window
    /// empty from now on.
    pub fn record_window(&self) -> (u64, u64) {
        let end = self.record_end.load(Ordering::Acquire);
        (self.record_start.load(Ordering::Acquire), end)
    }
}

/// A gain automation lane on the render clock: before the first point the gain is
/// the first point's, after the last point the last point's.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Lane {
    /// The render-clock frame the offsets are relative to.
    pub start_frame: u64,
    /// `(offset, gain in dB)`, offsets strictly increasing, at least one point.
    pub points: Vec<(u32, f32)>,
    /// How to move between points.
    pub curve: Curve,
}

impl Lane {
    /// The lane's gain in dB at render-clock frame `frame`.
    pub fn gain_db_at(&self, frame: u64) -> f32 {
        let offset = frame.saturating_sub(self.start_frame);
        let next = self
            .points
            .partition_point(|&(at, _)| u64::from(at) <= offset);
        let (Some(&(from_at, from)), Some(&(to_at, to))) =
            (self.points.get(next.wrapping_sub(1)), self.points.get(next))
        else {
            // Before the first point or after the last.
            return self
                .points
                .get(next.min(self.points.len() - 1))
                .map_or(0.0, |p| p.1);
        };
        let t = (offset - u64::from(from_at)) as f64 / f64::from(to_at - from_at);
        let shape = match self.curve {
            Curve::Step => 0.0,
            Curve::Linear => t,
            Curve::Exponential(k) if k.abs() < 1e-9 => t,
            Curve::Exponential(k) => (k * t).exp_m1() / k.exp_m1(),
        };
        // Narrowing to f32 is the gain's resolution.
        (f64::from(from) + f64::from(to - from) * shape) as f32
    }
}

/// Owned data for the render thread.
#[derive(Debug)]
pub(crate) enum Command {
    /// Channel `.0` plays these samples (mono, full scale 1.0) in a loop; none is
    /// silence.
    Source(usize, Box<[f32]>),
    /// Channel `.0` follows this lane, or its plain gain for none.
    Lane(usize, Option<Box<Lane>>),
}

impl Command {
    /// Whether `self` and `other` set the same thing, so that the later replaces the
    /// earlier.
    pub fn supersedes(&self, other: &Command) -> bool {
        matches!(
            (self, other),
            (Command::Source(a, _), Command::Source(b, _)) | (Command::Lane(a, _), Command::Lane(b, _))
                if a == b
        )
    }
}

/// What a [`Command`] replaced, on its way to be freed off the render thread.
#[derive(Debug)]
#[allow(dead_code, reason = "held only to be dropped on the service thread")]
pub(crate) enum Garbage {
    /// Old source samples.
    Source(Box<[f32]>),
    /// An old lane.
    Lane(Box<Lane>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lane_holds_its_ends_and_follows_its_curve_between_points() {
        let lane = |curve| Lane {
            start_frame: 100,
            points: vec![(0, -40.0), (100, 0.0), (200, -20.0)],
            curve,
        };
        let linear = lane(Curve::Linear);
        assert_eq!(linear.gain_db_at(0), -40.0);
        assert_eq!(linear.gain_db_at(150), -20.0);
        assert_eq!(linear.gain_db_at(250), -10.0);
        assert_eq!(linear.gain_db_at(300), -20.0);
        assert_eq!(linear.gain_db_at(u64::MAX), -20.0);
        assert_eq!(lane(Curve::Step).gain_db_at(199), -40.0);
        let steep = lane(Curve::Exponential(4.0)).gain_db_at(150);
        assert!(steep < -30.0, "{steep}");
        assert_eq!(lane(Curve::Exponential(0.0)).gain_db_at(150), -20.0);
    }

    #[test]
    fn params_read_back_what_was_stored() {
        let params = Params::default();
        let strip = Strip {
            gain_db: -3.5,
            pan: -100,
            muted: true,
            delay_samples: -48_000,
        };
        params.set_strip(7, strip);
        assert_eq!(params.strip(7), strip);
        params.set_master_db(6.0);
        assert_eq!(params.master_db(), 6.0);
        params.set_record_window(10, 20);
        assert_eq!(params.record_window(), (10, 20));
    }
}
