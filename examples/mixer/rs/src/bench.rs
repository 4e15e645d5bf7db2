//! The latency floor the benchmark compares the bridge against.
//!
//! Two Rust threads ping-pong one message over flume: two thread wake-ups per round
//! trip, which is the least any cross-thread request/reply can cost on this machine.

use std::time::Instant;

/// Runs `rounds` round trips between the calling thread and a helper thread and
/// returns each one's duration in nanoseconds. An empty result means the helper
/// thread could not be started.
pub fn ping_pong(rounds: usize) -> Vec<u64> {
    let (to_echo, echo_in) = flume::bounded::<u64>(1);
    let (echo_out, from_echo) = flume::bounded::<u64>(1);
    let spawned = std::thread::Builder::new()
        .name("rs-in-hs-floor".to_owned())
        .spawn(move || {
            for value in echo_in.iter() {
                if echo_out.send(value).is_err() {
                    break;
                }
            }
        });
    let Ok(echo) = spawned else {
        return Vec::new();
    };
    let mut nanos = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let started = Instant::now();
        let sent = to_echo.send(round as u64).is_ok();
        let back = from_echo.recv().ok();
        nanos.push(u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX));
        if !sent || back != Some(round as u64) {
            break;
        }
    }
    drop(to_echo);
    let _ = echo.join();
    nanos
}

#[cfg(test)]
mod tests {
    #[test]
    fn measures_every_round() {
        let nanos = super::ping_pong(100);
        assert_eq!(nanos.len(), 100);
        assert!(nanos.iter().all(|&n| n > 0));
    }
}
