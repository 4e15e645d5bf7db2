//! Which CPU a thread runs on, and how the worker leaves a CPU it shares with the
//! caller it is answering.
//!
//! A caller polling for its reply and the worker answering it are meant to run on
//! two CPUs at once. The kernel may put them on one (it tends to wake a thread on
//! the CPU of the thread that woke it), and there it keeps them: both are always
//! busy, so neither looks cheap to move, and every round trip waits for one
//! poller's spin to end before the other runs (about 11 µs instead of about 1.3 µs,
//! for as long as a second). So the worker, taking a call whose caller polls from
//! its own CPU while no other call is in flight, moves itself to another CPU its
//! affinity mask allows, and restores the mask. A move costs some 50-100 µs, and on
//! a machine whose CPUs are all busy it only trades one shared CPU for another, so
//! the worker moves at most once per millisecond, and less often while moves do
//! not last (see [`StepAside::leave`]).
//!
//! The crate's other `unsafe` code is in `ffi` (and the calls into it that
//! `export_engine!` expands to); this module's is the OS calls on
//! Linux, each block with its reason.
#![allow(unsafe_code)]

use std::time::{Duration, Instant};

/// The least time between two moves of the worker, while moves are rare.
const STEP_ASIDE_MIN: Duration = Duration::from_millis(1);

/// The most the time between two moves grows to, while the worker keeps finding
/// itself on its caller's CPU soon after it moved.
const STEP_ASIDE_MAX: Duration = Duration::from_millis(100);

/// The CPU the calling thread runs on now, if the OS says (a hint: the thread may
/// move at any time).
#[cfg(target_os = "linux")]
pub(crate) fn current() -> Option<u32> {
    // SAFETY: `sched_getcpu` takes no arguments and only reads the calling thread's
    // state; it returns -1 (with `errno` set) when the CPU is unknown.
    let cpu = unsafe { libc::sched_getcpu() };
    u32::try_from(cpu).ok()
}

/// The CPU the calling thread runs on: unknown on this OS.
#[cfg(not(target_os = "linux"))]
pub(crate) fn current() -> Option<u32> {
    None
}

/// The worker's record of its moves: when it last moved, and how long it waits
/// before it moves again.
#[derive(Debug)]
pub(crate) struct StepAside {
    last: Option<Instant>,
    every: Duration,
}

impl Default for StepAside {
    fn default() -> Self {
        StepAside {
            last: None,
            every: STEP_ASIDE_MIN,
        }
    }
}

impl StepAside {
    /// Moves the calling thread off `cpu`, the CPU it shares with a polling caller,
    /// to another one its affinity mask allows, then restores the mask as it was
    /// (the thread stays where it moved until the kernel moves it again), so an
    /// engine that pinned the worker keeps its pinning. Does nothing if it tried
    /// less than its interval ago, or if the mask allows no other CPU. Returns
    /// whether it tried.
    ///
    /// The interval starts at [`STEP_ASIDE_MIN`]; each move needed within four
    /// intervals of the last doubles it, up to [`STEP_ASIDE_MAX`] (the CPUs are
    /// busy, and moving does not help for long), and a move needed later sets it
    /// back.
    pub(crate) fn leave(&mut self, cpu: u32) -> bool {
        let due = self.due(Instant::now());
        if due {
            move_off(cpu);
        }
        due
    }

    /// Whether a move is allowed at `now`; if so, records it as made then.
    fn due(&mut self, now: Instant) -> bool {
        if let Some(last) = self.last {
            let since = now.saturating_duration_since(last);
            if since < self.every {
                return false;
            }
            self.every = if since < 4 * self.every {
                (2 * self.every).min(STEP_ASIDE_MAX)
            } else {
                STEP_ASIDE_MIN
            };
        }
        self.last = Some(now);
        true
    }
}

/// The calling thread's affinity mask, if the OS gives it.
#[cfg(target_os = "linux")]
fn affinity() -> Option<libc::cpu_set_t> {
    // SAFETY: `cpu_set_t` is a plain bit array, for which all zeroes is the empty
    // set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable `cpu_set_t` of the size given; pid 0 is the
    // calling thread.
    let got = unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) };
    (got == 0).then_some(set)
}

/// Sets the calling thread's affinity mask; whether the OS took it. A mask without
/// the CPU the thread runs on moves the thread before this returns.
#[cfg(target_os = "linux")]
fn set_affinity(set: &libc::cpu_set_t) -> bool {
    // SAFETY: `set` is a valid `cpu_set_t` of the size given; pid 0 is the calling
    // thread.
    let got = unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), set) };
    got == 0
}

#[cfg(target_os = "linux")]
fn move_off(cpu: u32) {
    let Some(cpu) = usize::try_from(cpu)
        .ok()
        .filter(|&cpu| cpu < libc::CPU_SETSIZE as usize)
    else {
        return;
    };
    let Some(allowed) = affinity() else {
        return;
    };
    let mut elsewhere = allowed;
    // SAFETY: `cpu` is below `CPU_SETSIZE` (checked above), so the bit is in the set.
    unsafe { libc::CPU_CLR(cpu, &mut elsewhere) };
    // SAFETY: `elsewhere` is a valid `cpu_set_t`.
    let others = unsafe { libc::CPU_COUNT(&elsewhere) };
    // Off `cpu` first, then every CPU allowed before again. If the first fails,
    // nothing changed; if only the second fails, the thread keeps the narrower mask,
    // which still holds every CPU but `cpu`.
    if others > 0 && set_affinity(&elsewhere) {
        set_affinity(&allowed);
    }
}

#[cfg(not(target_os = "linux"))]
fn move_off(_cpu: u32) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::mem::zeroed;

    /// The calling thread's affinity mask.
    fn mask() -> libc::cpu_set_t {
        affinity().expect("Linux gives the mask")
    }

    fn same(a: &libc::cpu_set_t, b: &libc::cpu_set_t) -> bool {
        // SAFETY: both are valid `cpu_set_t`s.
        unsafe { libc::CPU_EQUAL(a, b) }
    }

    /// The set holding only `cpu`.
    fn only(cpu: u32) -> libc::cpu_set_t {
        // SAFETY: all zeroes is the empty set.
        let mut set: libc::cpu_set_t = unsafe { zeroed() };
        // SAFETY: a CPU the OS reported is below `CPU_SETSIZE`.
        unsafe { libc::CPU_SET(cpu as usize, &mut set) };
        set
    }

    /// Moves come at most once per interval; the interval doubles while moves are
    /// needed soon after the last, up to its cap, and falls back once one is not.
    #[test]
    fn moves_are_spaced_out() {
        let ms = Duration::from_millis;
        let start = Instant::now();
        let mut aside = StepAside::default();
        assert!(aside.due(start));
        assert!(!aside.due(start + ms(0)));
        // Each move needed as soon as allowed: 1, 2, 4, ... 64, then 100 ms apart.
        let mut at = start;
        for gap in [1, 2, 4, 8, 16, 32, 64, 100, 100] {
            assert!(
                !aside.due(at + ms(gap) - Duration::from_micros(1)),
                "{gap} ms"
            );
            at += ms(gap);
            assert!(aside.due(at), "{gap} ms");
        }
        // A move needed long after the last: the interval is 1 ms again.
        at += ms(1000);
        assert!(aside.due(at));
        assert!(aside.due(at + ms(1)));
    }

    #[test]
    fn a_thread_knows_its_cpu() {
        let here = current().expect("Linux reports the CPU");
        // Pinned, the thread is on that CPU and shares it with itself only.
        std::thread::spawn(move || {
            assert!(set_affinity(&only(here)));
            assert_eq!(current(), Some(here));
        })
        .join()
        .unwrap();
    }

    /// On a thread allowed on more than one CPU, leaving one moves the thread off it
    /// at once and leaves the mask as it was.
    #[test]
    fn stepping_aside_moves_and_keeps_the_mask() {
        std::thread::spawn(|| {
            let before = mask();
            // SAFETY: `before` is a valid `cpu_set_t`.
            if unsafe { libc::CPU_COUNT(&before) } < 2 {
                eprintln!("one CPU allowed: nothing to step aside to");
                return;
            }
            let here = current().unwrap();
            let mut aside = StepAside::default();
            assert!(aside.leave(here));
            assert_ne!(current(), Some(here));
            assert!(same(&mask(), &before), "the mask is restored");
        })
        .join()
        .unwrap();
    }

    /// A thread pinned to one CPU stays there, with its mask unchanged: the worker
    /// never undoes an engine's pinning.
    #[test]
    fn a_pinned_thread_stays() {
        let here = current().unwrap();
        std::thread::spawn(move || {
            let pinned = only(here);
            assert!(set_affinity(&pinned));
            assert!(StepAside::default().leave(here));
            assert_eq!(current(), Some(here));
            assert!(same(&mask(), &pinned));
        })
        .join()
        .unwrap();
    }
}
