//! The render thread starts with the engine and stops when the engine is dropped
//! (alone in this binary, so no other test's engine is counted).

use std::time::{Duration, Instant};

use mixer_engine::engine::MixerEngine;

/// How many of this process's threads are named `name`.
fn threads_named(name: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("list this process's threads")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.trim_end() == name)
        .count()
}

/// Waits until `count` threads are named `name` (a new thread names itself, and an
/// exited one leaves `/proc` shortly after it is joined), or fails after 30 s.
fn expect_threads(name: &str, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while threads_named(name) != count {
        assert!(
            Instant::now() < deadline,
            "{} threads named {name}, expected {count}",
            threads_named(name)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn the_engine_owns_its_render_and_service_threads() {
    expect_threads("mixer-render", 0);
    let engine = MixerEngine::default();
    expect_threads("mixer-render", 1);
    expect_threads("mixer-service", 1);
    drop(engine);
    expect_threads("mixer-render", 0);
    expect_threads("mixer-service", 0);
}
