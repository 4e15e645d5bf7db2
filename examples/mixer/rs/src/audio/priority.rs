//! Real-time scheduling for the null device's render thread, as audio servers
//! give their callbacks: `SCHED_FIFO` where the system allows it (root, or an
//! `rtprio` limit), else the thread keeps the normal policy and the figures say so.

/// The `SCHED_FIFO` priority asked for: above every normal thread, below the
/// kernel's own real-time threads (which use 99).
#[cfg(target_os = "linux")]
const PRIORITY: libc::c_int = 70;

/// Asks for real-time scheduling for the calling thread; answers whether it got it.
pub(crate) fn make_realtime() -> bool {
    #[cfg(target_os = "linux")]
    {
        let param = libc::sched_param {
            sched_priority: PRIORITY,
        };
        // SAFETY: `pthread_self` has no preconditions; it names the calling thread.
        let this = unsafe { libc::pthread_self() };
        // SAFETY: `this` is the calling thread, alive for the whole call, and
        // `param` is an initialised `sched_param` that outlives it; the call only
        // reads `param`.
        unsafe { libc::pthread_setschedparam(this, libc::SCHED_FIFO, &param) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}
