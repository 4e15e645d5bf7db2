//! A wake-up recorder for tests: a `notify` that records each token it is handed,
//! where the bridge would call `hs_try_putmvar`, and the ways to read the record.
//!
//! One file, included with `#[path]` by every test that stands in for Haskell: the
//! bridge's unit tests (once, at the crate root), the probe's behaviour tests, the
//! waiter's tests and the `exports` fuzz target (a workspace of its own). Each test
//! binary so has its own record. Tests that run in parallel in one binary tell their
//! wake-ups apart by token.
#![allow(dead_code)] // each includer uses a different subset

use std::ffi::{c_int, c_void};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The tokens handed to [`record`] and not taken yet, in delivery order.
static WOKEN: Mutex<Vec<usize>> = Mutex::new(Vec::new());

/// Signalled after each token [`record`] adds.
static RECORDED: Condvar = Condvar::new();

fn woken() -> MutexGuard<'static, Vec<usize>> {
    WOKEN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The `notify` to give the bridge: records the token's address. Callable from any
/// thread, and never blocks for long.
pub extern "C" fn record(_capability: c_int, token: *mut c_void) {
    woken().push(token.addr());
    RECORDED.notify_all();
}

/// The token numbered `value`, as `notify` receives it: a plain number, never
/// dereferenced, that only [`record`] sees.
pub fn token(value: usize) -> *mut c_void {
    std::ptr::without_provenance_mut(value)
}

/// How many times `token` has been recorded (and not taken).
pub fn count(token: usize) -> usize {
    woken().iter().filter(|woken| **woken == token).count()
}

/// How many times each token in `tokens` has been recorded (and not taken), by
/// token (`counts[i]` for `tokens.start + i`), read in one look at the record.
pub fn counts(tokens: std::ops::Range<usize>) -> Vec<usize> {
    let mut counts = vec![0; tokens.len()];
    for woken in woken().iter() {
        if tokens.contains(woken) {
            counts[woken - tokens.start] += 1;
        }
    }
    counts
}

/// Takes every token recorded so far, in delivery order.
pub fn take_all() -> Vec<usize> {
    std::mem::take(&mut *woken())
}

/// Takes the first token recorded, waiting at most `wait` for one.
pub fn next_within(wait: Duration) -> Option<usize> {
    wait_until(wait, |woken| (!woken.is_empty()).then(|| woken.remove(0)))
}

/// Whether `token` has been recorded (and not taken) at least `times` times,
/// waiting at most `wait` for it.
pub fn wait_for(token: usize, times: usize, wait: Duration) -> bool {
    wait_until(wait, |woken| {
        (woken.iter().filter(|woken| **woken == token).count() >= times).then_some(())
    })
    .is_some()
}

/// The first `Some` that `check` gives on the record, looked at after each token
/// recorded, for at most `wait`.
fn wait_until<T>(wait: Duration, mut check: impl FnMut(&mut Vec<usize>) -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + wait;
    let mut woken = woken();
    loop {
        if let Some(found) = check(&mut woken) {
            return Some(found);
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        woken = RECORDED
            .wait_timeout(woken, left)
            .unwrap_or_else(PoisonError::into_inner)
            .0;
    }
}
