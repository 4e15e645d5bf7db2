//! The render thread, driven through the engine's handlers as the bridge drives
//! them: a recording follows the automation sample for sample, the callback never
//! allocates or frees, and bad configurations are refused.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use mixer_engine::engine::MixerEngine;
use mixer_engine::protocol::*;
use rs_in_hs::Engine as _;
use rs_in_hs::wire::WireText;

/// How long a test waits for the render thread before failing.
const PATIENCE: Duration = Duration::from_secs(120);

fn figures(engine: &mut MixerEngine) -> AudioFigures {
    match engine.call(Request::QueryAudio(QueryAudio)) {
        Reply::QueryAudio(figures) => figures,
        other => panic!("unexpected reply {other:?}"),
    }
}

/// Polls the figures until `done` holds, or fails after [`PATIENCE`], or as soon
/// as the callback has allocated or freed (which debug builds also fail on, on the
/// render thread).
fn wait_for(engine: &mut MixerEngine, done: impl Fn(&AudioFigures) -> bool) -> AudioFigures {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let now = figures(engine);
        assert_eq!(
            (now.callback_allocations, now.callback_frees),
            (0, 0),
            "the render callback allocated or freed"
        );
        if done(&now) {
            return now;
        }
        assert!(
            Instant::now() < deadline,
            "the render thread stalled: {now:?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One period of a sine of amplitude `amplitude`, 16-bit little-endian.
fn sine(period: usize, amplitude: f64) -> Vec<u8> {
    (0..period)
        .flat_map(|i| {
            let phase = std::f64::consts::TAU * i as f64 / period as f64;
            ((amplitude * phase.sin() * 32_767.0).round() as i16).to_le_bytes()
        })
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("mixer-{}-{name}.wav", std::process::id()))
}

#[test]
fn a_recording_follows_the_gain_ramp_and_the_callback_never_allocates() {
    const SECONDS: u64 = 2;
    const RATE: u64 = 48_000;
    let mut engine = MixerEngine::default();
    let channel = ChannelId(0);
    // A first source, replaced at once: the render thread hands the old one back.
    for amplitude in [0.25, 0.5] {
        engine.call(Request::WriteSamples(WriteSamples {
            channel,
            samples: sine(120, amplitude),
        }));
    }
    let path = scratch("ramp");
    let frames = SECONDS * RATE;
    let Reply::Record(RecordOutcome::Recording(start)) = engine.call(Request::Record(Record {
        path: WireText(path.display().to_string()),
        frames,
    })) else {
        panic!("the recording did not start");
    };
    assert_eq!(
        engine.call(Request::Record(Record {
            path: WireText(path.display().to_string()),
            frames,
        })),
        Reply::Record(RecordOutcome::RecordRefused(RecordError::Busy))
    );
    // -40 dB to 0 dB across the recording, linear in dB.
    let automation = |points| {
        Request::Automate(Automate(Automation {
            channel,
            start_frame: start,
            points,
            curve: Curve::Linear,
        }))
    };
    engine.call(automation(vec![(0, 0.0)]));
    engine.call(automation(vec![(0, -40.0), (frames as u32, 0.0)]));
    let done = wait_for(&mut engine, |f| !f.recording.0);
    assert_eq!(done.frames_recorded, frames, "{done:?}");
    assert_eq!(done.frames_record_dropped, 0);
    assert_eq!((done.callback_allocations, done.callback_frees), (0, 0));
    assert!(done.blocks >= frames / 128, "{done:?}");

    let mut wav = hound::WavReader::open(&path).expect("the recording is a WAV file");
    let spec = wav.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 48_000, 16)
    );
    let left: Vec<f64> = wav
        .samples::<i16>()
        .step_by(2)
        .map(|s| f64::from(s.expect("a sample")) / 32_767.0)
        .collect();
    std::fs::remove_file(&path).expect("remove the recording");
    assert_eq!(left.len() as u64, frames);
    // A sine's RMS is its amplitude over the square root of 2; the centre pan
    // takes 3 dB off each side.
    let unity_db = 20.0 * (0.5 / 2_f64.sqrt() * std::f64::consts::FRAC_1_SQRT_2).log10();
    let windows = 20;
    let width = left.len() / windows;
    for (index, window) in left.chunks_exact(width).enumerate() {
        let rms = (window.iter().map(|s| s * s).sum::<f64>() / width as f64).sqrt();
        let middle = (index as f64 + 0.5) / windows as f64;
        let expected = unity_db - 40.0 + 40.0 * middle;
        let got = 20.0 * rms.log10();
        assert!(
            (got - expected).abs() < 1.0,
            "window {index}: {got:.2} dB, the ramp is at {expected:.2} dB"
        );
    }
}

#[test]
fn muted_and_silent_channels_render_silence_and_the_figures_add_up() {
    let mut engine = MixerEngine::default();
    engine.call(Request::WriteSamples(WriteSamples {
        channel: ChannelId(3),
        samples: sine(64, 1.0),
    }));
    engine.call(Request::SetMute(SetMute {
        channel: ChannelId(3),
        muted: rs_in_hs::wire::WireBool(true),
    }));
    let path = scratch("silence");
    let Reply::Record(RecordOutcome::Recording(_)) = engine.call(Request::Record(Record {
        path: WireText(path.display().to_string()),
        frames: 4_800,
    })) else {
        panic!("the recording did not start");
    };
    let done = wait_for(&mut engine, |f| !f.recording.0);
    let wav = hound::WavReader::open(&path).expect("the recording is a WAV file");
    let samples: Vec<i16> = wav.into_samples().map(|s| s.expect("a sample")).collect();
    std::fs::remove_file(&path).expect("remove the recording");
    assert_eq!(samples.len(), 2 * 4_800);
    assert!(samples.iter().all(|&s| s == 0));
    assert_eq!(done.config, mixer_engine::audio::DEFAULT_CONFIG);
    assert_eq!(done.block_period_ns, 2_666_666);
    assert!(done.callback_p50_ns <= done.callback_p99_ns);
    assert!(done.callback_p99_ns <= done.callback_max_ns);
    assert!(done.frame >= done.blocks * 128 - 128);
}

#[test]
fn start_audio_refuses_bad_settings_and_falls_back_to_the_null_device() {
    let mut engine = MixerEngine::default();
    let start = |engine: &mut MixerEngine, config| match engine
        .call(Request::StartAudio(StartAudio(config)))
    {
        Reply::StartAudio(started) => started,
        other => panic!("unexpected reply {other:?}"),
    };
    let good = AudioConfig {
        sample_rate: 44_100,
        block_frames: 64,
        meter_hz: 0,
        device: AudioDevice::System,
    };
    for (config, refused) in [
        (
            AudioConfig {
                block_frames: 0,
                ..good
            },
            AudioError::BlockFrames(0),
        ),
        (
            AudioConfig {
                sample_rate: 7_999,
                ..good
            },
            AudioError::SampleRate(7_999),
        ),
        (
            AudioConfig {
                meter_hz: 44_101,
                ..good
            },
            AudioError::MeterRate(44_101),
        ),
    ] {
        assert_eq!(
            start(&mut engine, config),
            AudioStarted::AudioRefused(refused)
        );
    }
    // Without the feature, or without a sound card, the null device runs instead.
    let started = start(&mut engine, good);
    #[cfg(not(feature = "cpal"))]
    assert_eq!(started, AudioStarted::Started(AudioDevice::Null));
    let AudioStarted::Started(device) = started else {
        panic!("a good configuration was refused: {started:?}");
    };
    let running = wait_for(&mut engine, |f| f.blocks >= 10);
    assert_eq!(running.config, AudioConfig { device, ..good });
    assert_eq!(running.block_period_ns, 1_451_247);
    assert_eq!(
        (running.callback_allocations, running.callback_frees),
        (0, 0)
    );
}
