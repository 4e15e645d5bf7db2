//! The audio side's counters: what the render thread, the device and the service
//! thread did, read by the control worker for the audio figures. Every field is an
//! atomic, so the render thread updates them without waiting.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use super::alloc_guard::AllocCounts;

/// Values below this many nanoseconds have a bucket each.
const EXACT: u64 = 64;
/// Buckets per octave above [`EXACT`] (about 3% apart).
const PER_OCTAVE: u64 = 32;
/// Buckets in the histogram: enough for 2^40 ns (18 minutes).
const BUCKETS: usize = (EXACT + (40 - 6) * PER_OCTAVE) as usize;

/// The bucket of a duration in nanoseconds.
fn bucket(ns: u64) -> usize {
    if ns < EXACT {
        return ns as usize;
    }
    let octave = u64::from(63 - ns.leading_zeros()); // >= 6
    let sub = (ns >> (octave - 5)) & (PER_OCTAVE - 1);
    usize::try_from(EXACT + (octave - 6) * PER_OCTAVE + sub)
        .unwrap_or(BUCKETS - 1)
        .min(BUCKETS - 1)
}

/// The smallest duration in nanoseconds that falls in bucket `index`.
fn bucket_floor(index: usize) -> u64 {
    let index = index as u64;
    if index < EXACT {
        return index;
    }
    let octave = (index - EXACT) / PER_OCTAVE + 6;
    let sub = (index - EXACT) % PER_OCTAVE;
    (PER_OCTAVE + sub) << (octave - 5)
}

/// The audio side's counters (see the module header).
#[derive(Debug)]
pub(crate) struct Counters {
    /// Callback durations, log-linear buckets.
    durations: Box<[AtomicU64]>,
    max_ns: AtomicU64,
    /// Blocks rendered, and those that finished after their deadline.
    pub blocks: AtomicU64,
    pub misses: AtomicU64,
    /// Allocations and frees inside the callback.
    pub allocations: AtomicU64,
    pub frees: AtomicU64,
    /// The render clock: frames rendered so far (published after each block).
    pub frame: AtomicU64,
    /// Recorded frames written to the file, and those the service thread had no
    /// room for.
    pub recorded: AtomicU64,
    pub record_dropped: AtomicU64,
    /// Whether a recording is open.
    pub recording: AtomicBool,
    /// Meter frames and xruns the render thread had no room to report.
    pub reports_dropped: AtomicU64,
    /// Whether the null device's render thread got real-time scheduling.
    pub realtime: AtomicBool,
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            durations: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            max_ns: AtomicU64::new(0),
            blocks: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            allocations: AtomicU64::new(0),
            frees: AtomicU64::new(0),
            frame: AtomicU64::new(0),
            recorded: AtomicU64::new(0),
            record_dropped: AtomicU64::new(0),
            recording: AtomicBool::new(false),
            reports_dropped: AtomicU64::new(0),
            realtime: AtomicBool::new(false),
        }
    }
}

/// Callback durations: percentiles to within 3% (a bucket's floor), the maximum
/// exact.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Durations {
    pub p50_ns: u64,
    pub p99_ns: u64,
    pub max_ns: u64,
}

impl Counters {
    /// Counts one callback: how long it took, whether it missed its deadline and
    /// what it allocated.
    pub fn block(&self, took: Duration, missed: bool, allocs: AllocCounts) {
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.durations[bucket(ns)].fetch_add(1, Ordering::Relaxed);
        self.max_ns.fetch_max(ns, Ordering::Relaxed);
        self.blocks.fetch_add(1, Ordering::Relaxed);
        self.misses.fetch_add(u64::from(missed), Ordering::Relaxed);
        self.allocations
            .fetch_add(allocs.allocations, Ordering::Relaxed);
        self.frees.fetch_add(allocs.frees, Ordering::Relaxed);
    }

    /// The callback durations so far (all zero before the first block).
    pub fn durations(&self) -> Durations {
        let counts: Vec<u64> = self
            .durations
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        let quantile = |q: f64| {
            // The rank of the q-quantile, 1-based: ceil(q * total).
            let rank = ((q * total as f64).ceil() as u64).max(1);
            let mut seen = 0;
            counts
                .iter()
                .position(|&c| {
                    seen += c;
                    seen >= rank
                })
                .map_or(0, bucket_floor)
        };
        Durations {
            p50_ns: quantile(0.50),
            p99_ns: quantile(0.99),
            max_ns: self.max_ns.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_ordered_and_contain_their_floor() {
        for index in 1..BUCKETS {
            assert!(bucket_floor(index) > bucket_floor(index - 1));
            assert_eq!(bucket(bucket_floor(index)), index);
        }
        for ns in [0, 63, 64, 65, 1_000, 2_666_666, 1 << 39] {
            let floor = bucket_floor(bucket(ns));
            assert!(floor <= ns && ns - floor <= ns / 32, "{ns}: {floor}");
        }
        assert_eq!(bucket(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn percentiles_come_from_the_counted_blocks() {
        let counters = Counters::default();
        assert_eq!(counters.durations().p50_ns, 0);
        for micros in 1..=100 {
            counters.block(
                Duration::from_micros(micros),
                micros > 98,
                AllocCounts::default(),
            );
        }
        let d = counters.durations();
        assert!((48_000..=50_000).contains(&d.p50_ns), "{d:?}");
        assert!((96_000..=99_000).contains(&d.p99_ns), "{d:?}");
        assert_eq!(d.max_ns, 100_000);
        assert_eq!(counters.misses.load(Ordering::Relaxed), 2);
    }
}
