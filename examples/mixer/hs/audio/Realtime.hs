{-# LANGUAGE ScopedTypeVariables #-}

-- | The realtime figures: the render thread runs on the null device while many
-- Haskell callers storm the control path and one subscriber reads the events.
-- Reports blocks rendered and deadline misses, the callback's duration against the
-- block period, allocations in the callback, events emitted, delivered and
-- dropped, and the subscriber's lag (delivery time minus emission time, both on
-- the system clock).
module Realtime
  ( Settings (..),
    realtime,
  )
where

import Control.Concurrent.Async (forConcurrently)
import Control.Exception (ErrorCall (..), throwIO)
import Control.Monad (forM_, void)
import Control.Monad.IO.Class (liftIO)
import Control.Monad.IO.Unlift (withRunInIO)
import Data.IORef (IORef, atomicModifyIORef', newIORef, readIORef)
import Data.List (sort)
import Data.Time.Clock.System (SystemTime (..), getSystemTime)
import Data.Word (Word32, Word64)
import GHC.Clock (getMonotonicTimeNSec)
import Mixer.Protocol
import Mixer.Tone (sine)
import Report (Row, row)
import RustBridge

-- | What to run.
data Settings = Settings
  { -- | How long the storm lasts.
    settingsSeconds :: !Int,
    -- | How many concurrent callers storm the control path.
    settingsCallers :: !Int,
    -- | Frames per block.
    settingsBlockFrames :: !Word32,
    -- | Meter events per second.
    settingsMeterHz :: !Word32
  }

-- | What the subscriber saw.
data Seen = Seen
  { seenMeters :: !Int,
    seenXruns :: !Int,
    -- | How late the latest-finishing block was, in nanoseconds.
    seenLateMax :: !Word64,
    seenMissed :: !Word64,
    -- | Lags in nanoseconds, newest first.
    seenLags :: ![Word64]
  }

-- | Runs the storm and answers with the figures.
realtime :: Settings -> IO [Row]
realtime settings = withRust defaultConfig $ do
  started <- callRust (StartAudio (AudioConfig rate (settingsBlockFrames settings) (settingsMeterHz settings) Null))
  case started of
    Started _ -> pure ()
    AudioRefused why -> liftIO (throwIO (ErrorCall ("the audio configuration was refused: " <> show why)))
  forM_ [0 .. 7] $ \c -> callRust (WriteSamples (ChannelId c) (sine (100 + 10 * fromIntegral c) 0.1))
  seen <- liftIO (newIORef (Seen 0 0 0 0 []))
  before <- callRust QueryAudio
  (calls, ns) <- withEvents 4096 (liftIO . observe seen) $ do
    begin <- liftIO getMonotonicTimeNSec
    let end = begin + fromIntegral (settingsSeconds settings) * 1000000000
    counts <- withRunInIO $ \run ->
      forConcurrently [1 .. settingsCallers settings] $ \caller -> run (storm end caller 0)
    finish <- liftIO getMonotonicTimeNSec
    pure (sum counts, finish - begin)
  after <- callRust QueryAudio
  stats <- eventStats
  Seen meters xruns lateMax missed lags <- liftIO (readIORef seen)
  let us x = fromIntegral x / 1000
      ms x = fromIntegral x / 1e6
      sorted = sort lags
      pct q = if null sorted then 0 else sorted !! min (length sorted - 1) (floor (q * fromIntegral (length sorted) :: Double))
      blocks = audioFiguresBlocks after - audioFiguresBlocks before
  pure
    [ row "realtime" "storm duration" (fromIntegral ns / 1e9) "s",
      row "realtime" "control calls and casts" (fromIntegral calls) "calls",
      row "realtime" "control calls/s" (fromIntegral calls * 1e9 / fromIntegral ns) "calls/s",
      row "realtime" "audio blocks rendered" (fromIntegral blocks) "blocks",
      row "realtime" "deadline misses (target 0)" (fromIntegral (audioFiguresDeadlineMisses after - audioFiguresDeadlineMisses before)) "blocks",
      row "realtime" "render thread at SCHED_FIFO" (if audioFiguresRealtimePriority after then 1 else 0) "yes=1",
      row "realtime" "block period" (us (audioFiguresBlockPeriodNs after)) "us",
      row "realtime" "callback p50" (us (audioFiguresCallbackP50Ns after)) "us",
      row "realtime" "callback p99" (us (audioFiguresCallbackP99Ns after)) "us",
      row "realtime" "callback max" (us (audioFiguresCallbackMaxNs after)) "us",
      row "realtime" "allocations in callback (must be 0)" (fromIntegral (audioFiguresCallbackAllocations after)) "allocs",
      row "realtime" "frees in callback (must be 0)" (fromIntegral (audioFiguresCallbackFrees after)) "frees",
      row "realtime" "reports dropped by render thread" (fromIntegral (audioFiguresReportsDropped after)) "reports",
      row "realtime" "events emitted" (fromIntegral (eventsEmitted stats)) "events",
      row "realtime" "events delivered" (fromIntegral (eventsDelivered stats)) "events",
      row "realtime" "events dropped" (fromIntegral (eventsDropped stats)) "events",
      row "realtime" "events missed (seen)" (fromIntegral missed) "events",
      row "realtime" "meter events received" (fromIntegral meters) "events",
      row "realtime" "xrun events received" (fromIntegral xruns) "events",
      row "realtime" "latest block past its deadline" (us lateMax) "us",
      row "realtime" "subscriber lag p50" (ms (pct 0.5)) "ms",
      row "realtime" "subscriber lag p99" (ms (pct 0.99)) "ms",
      row "realtime" "subscriber lag max" (ms (if null sorted then 0 else last sorted)) "ms"
    ]
  where
    rate = 48000

-- | One caller: a fixed mix of calls and casts until the monotonic clock passes
-- @end@; answers with how many it made.
storm :: Word64 -> Int -> Int -> Rust Mixer Int
storm end caller done = do
  now <- liftIO getMonotonicTimeNSec
  if now >= end
    then pure done
    else do
      let i = caller + done
          channel = ChannelId (fromIntegral (i `mod` 8))
      case i `mod` 8 of
        0 -> void (callRust (SetGain channel (negate (fromIntegral (i `mod` 40)))))
        1 -> void (callRust (SetPan channel (fromIntegral (i `mod` 200 - 100))))
        2 -> void (callRust (Automate (Automation channel 0 [(0, -30), (4800, -20)] Linear)))
        3 -> void (callRust QueryMeters)
        4 -> castRust (SetMaster (negate (fromIntegral (i `mod` 6))))
        5 -> void (callRust (WriteSamples channel (sine (100 + i `mod` 50) 0.1)))
        6 -> void (callRust (SetDelay channel (fromIntegral (i `mod` 480))))
        _ -> void (callRust Ping)
      storm end caller (done + 1)

-- | The subscriber's handler.
observe :: IORef Seen -> Delivery MixerEvent -> IO ()
observe seen delivery = case delivery of
  Delivered (Meters frame) -> do
    now <- getSystemTime
    let nowNs = fromIntegral (systemSeconds now) * 1000000000 + fromIntegral (systemNanoseconds now)
        lag = nowNs - min nowNs (meterFrameEmittedUnixNs frame)
    atomicModifyIORef' seen (\s -> (s {seenMeters = seenMeters s + 1, seenLags = lag : seenLags s}, ()))
  Delivered (Xrun late) ->
    atomicModifyIORef' seen (\s -> (s {seenXruns = seenXruns s + 1, seenLateMax = max (seenLateMax s) (lateBlockLateNs late)}, ()))
  Missed n -> atomicModifyIORef' seen (\s -> (s {seenMissed = seenMissed s + n}, ()))
