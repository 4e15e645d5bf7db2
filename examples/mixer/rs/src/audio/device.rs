//! The devices that drive the render callback: the null device, a thread woken by
//! the clock once per block period (the default, and what tests use), and with the
//! `cpal` feature the system's default output device.
//!
//! Either way the callback is [`run_block`]'s guarded render, and a block that
//! finishes after its deadline counts as a miss and is reported as an xrun.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::alloc_guard::{self, AllocCounts};
use super::counters::Counters;
use super::render::Renderer;

/// The time `frames` frames last at `sample_rate`.
pub(crate) fn period(frames: u32, sample_rate: u32) -> Duration {
    Duration::from_nanos(u64::from(frames) * 1_000_000_000 / u64::from(sample_rate))
}

/// Renders one block into `out` inside the allocation guard and counts it: its
/// duration, whether it finished after `deadline`, what it allocated. Answers
/// whether it missed. Debug builds fail on any allocation or free in the render.
fn run_block(
    renderer: &mut Renderer,
    counters: &Counters,
    out: &mut [f32],
    deadline: Instant,
) -> bool {
    let started = Instant::now();
    let ((), allocs) = alloc_guard::count(|| renderer.render(out));
    let finished = Instant::now();
    let missed = finished > deadline;
    counters.block(finished - started, missed, allocs);
    if missed {
        let late = finished - deadline;
        renderer.xrun(u64::try_from(late.as_nanos()).unwrap_or(u64::MAX));
    }
    debug_assert_eq!(
        allocs,
        AllocCounts::default(),
        "the render callback allocated or freed"
    );
    missed
}

/// The thread that drives the callback; dropping it stops and joins the thread.
#[derive(Debug)]
pub(crate) struct RenderThread {
    /// Null device: the stop flag. System device: dropping the sender stops it.
    stop: Stop,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug)]
enum Stop {
    Flag(Arc<AtomicBool>),
    #[cfg(feature = "cpal")]
    Disconnect(Option<std::sync::mpsc::Sender<()>>),
}

impl Drop for RenderThread {
    fn drop(&mut self) {
        match &mut self.stop {
            Stop::Flag(flag) => flag.store(true, Ordering::Release),
            #[cfg(feature = "cpal")]
            Stop::Disconnect(sender) => drop(sender.take()),
        }
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            eprintln!("mixer: the render thread panicked");
        }
    }
}

/// Starts the null device: a thread, at real-time priority where allowed, that
/// renders a block of `block_frames` at the start of each block period, its
/// deadline the period's end. After a miss it starts again from the time the late
/// block finished.
pub(crate) fn start_null(
    mut renderer: Renderer,
    counters: Arc<Counters>,
    block_frames: u32,
    sample_rate: u32,
) -> RenderThread {
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = Arc::clone(&stop);
    let thread = std::thread::Builder::new()
        .name("mixer-render".into())
        .spawn(move || {
            counters
                .realtime
                .store(super::priority::make_realtime(), Ordering::Release);
            let period = period(block_frames, sample_rate);
            let mut out = vec![0.0; 2 * block_frames as usize];
            let mut due = Instant::now();
            while !stopped.load(Ordering::Acquire) {
                let deadline = due + period;
                let missed = run_block(&mut renderer, &counters, &mut out, deadline);
                due = if missed { Instant::now() } else { deadline };
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
            }
        })
        .expect("spawn the render thread");
    RenderThread {
        stop: Stop::Flag(stop),
        thread: Some(thread),
    }
}

/// Starts the system's default output device (stereo, `f32`, `block_frames` per
/// callback if it allows), or hands `renderer` back with the reason it cannot.
#[cfg(feature = "cpal")]
pub(crate) fn start_system(
    renderer: Box<Renderer>,
    counters: Arc<Counters>,
    block_frames: u32,
    sample_rate: u32,
) -> Result<RenderThread, (Box<Renderer>, String)> {
    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
    use std::sync::mpsc;

    // The callback takes the renderer from this one-slot ring, pushed only once the
    // stream plays; until then the renderer stays here, to fall back with.
    let (mut hand_over, mut taken) = rtrb::RingBuffer::<Box<Renderer>>::new(1);
    let (started_tx, started_rx) = mpsc::channel::<Result<(), String>>();
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    // A cpal stream may not move between threads: this thread opens it, holds it
    // until stopped, and drops it (and the renderer inside it) off the audio thread.
    let spawned = std::thread::Builder::new()
        .name("mixer-device".into())
        .spawn(move || {
            let open = || -> Result<cpal::Stream, String> {
                let device = cpal::default_host()
                    .default_output_device()
                    .ok_or("no default output device")?;
                let config = cpal::StreamConfig {
                    channels: 2,
                    sample_rate,
                    buffer_size: cpal::BufferSize::Fixed(block_frames),
                };
                let mut renderer: Option<Box<Renderer>> = None;
                let mut block = vec![0.0_f32; 2 * block_frames as usize];
                let mut used = block_frames as usize;
                let stream = device
                    .build_output_stream(
                        config,
                        move |data: &mut [f32], _: &cpal::OutputCallbackInfo| {
                            if renderer.is_none() {
                                renderer = taken.pop().ok();
                            }
                            let Some(renderer) = renderer.as_mut() else {
                                data.fill(0.0);
                                return;
                            };
                            // The device asks for any number of frames: serve them
                            // from whole rendered blocks.
                            let frames = u32::try_from(data.len() / 2).unwrap_or(u32::MAX);
                            let deadline = Instant::now() + period(frames, sample_rate);
                            for frame in data.chunks_exact_mut(2) {
                                if used == block_frames as usize {
                                    run_block(renderer, &counters, &mut block, deadline);
                                    used = 0;
                                }
                                frame.copy_from_slice(&block[2 * used..2 * used + 2]);
                                used += 1;
                            }
                        },
                        |error| eprintln!("mixer: audio device error: {error}"),
                        None,
                    )
                    .map_err(|e| e.to_string())?;
                stream.play().map_err(|e| e.to_string())?;
                Ok(stream)
            };
            match open() {
                Ok(stream) => {
                    let _ = started_tx.send(Ok(()));
                    // Returns once the RenderThread is dropped.
                    let _ = stop_rx.recv();
                    drop(stream);
                }
                Err(why) => {
                    let _ = started_tx.send(Err(why));
                }
            }
        });
    let thread = match spawned {
        Ok(thread) => thread,
        Err(e) => return Err((renderer, e.to_string())),
    };
    let render = |thread| RenderThread {
        stop: Stop::Disconnect(Some(stop_tx)),
        thread,
    };
    match started_rx.recv_timeout(Duration::from_secs(5)) {
        Ok(Ok(())) => match hand_over.push(renderer) {
            Ok(()) => Ok(render(Some(thread))),
            Err(rtrb::PushError::Full(renderer)) => {
                drop(render(Some(thread)));
                Err((renderer, "the audio device took no renderer".to_owned()))
            }
        },
        Ok(Err(why)) => {
            // The thread has returned: dropping the handle joins it.
            drop(render(Some(thread)));
            Err((renderer, why))
        }
        Err(_) => {
            // Still opening: leave it; it stops once it finds the sender gone.
            drop(render(None));
            Err((
                renderer,
                "the audio device did not start within 5 s".to_owned(),
            ))
        }
    }
}
