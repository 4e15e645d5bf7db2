-- | The demo: the mixer renders a tone to a WAV file for some seconds while
-- Haskell automates a gain ramp on it, -40 dB to 0 dB, one lane per second sent
-- while the one before it plays. The file is written off the render thread.
module Mixer.Demo
  ( demo,
    demoLevelDb,
  )
where

import Control.Concurrent (threadDelay)
import Control.Exception (ErrorCall (..), throwIO)
import Control.Monad (forM_, void, when)
import Control.Monad.IO.Class (liftIO)
import qualified Data.Text as T
import Data.Word (Word64)
import GHC.Clock (getMonotonicTime)
import Mixer.Protocol
import Mixer.Tone (sine)
import RustBridge

-- | Renders this many seconds to the WAV file at this path (16-bit stereo, 48 kHz)
-- and answers with the audio figures once the file is closed. Throws 'ErrorCall'
-- if the recording cannot start or the render thread stalls, and what
-- 'withRust' throws.
demo :: FilePath -> Int -> IO AudioFigures
demo path seconds = withRust defaultConfig $ do
  _ <- callRust (WriteSamples (ChannelId 0) (sine 120 amplitude))
  outcome <- callRust (Record (WireText (T.pack path)) (fromIntegral seconds * rate))
  start <- case outcome of
    Recording frame -> pure frame
    RecordRefused why -> liftIO (throwIO (ErrorCall ("the recording did not start: " <> show why)))
  let point k = (fromIntegral (k * fromIntegral rate), realToFrac (rampDb seconds (fromIntegral k)))
  forM_ [0 .. seconds - 1] $ \k -> do
    -- Lane k covers seconds k - 1 to k + 1, so it takes over seamlessly from lane
    -- k - 1, which is playing second k - 1 when it arrives.
    when (k > 0) . void . waitForAudio patience $ \f ->
      audioFiguresFrame f >= start + fromIntegral (k - 1) * rate + rate `div` 2
    void (callRust (Automate (Automation (ChannelId 0) start (map point [max 0 (k - 1) .. k + 1]) Linear)))
  waitForAudio patience (not . audioFiguresRecording)
  where
    rate = 48000 :: Word64
    patience = fromIntegral seconds + 30

-- | The tone's amplitude (1 is full scale).
amplitude :: Double
amplitude = 0.5

-- | The ramp's gain in dB, this many seconds into a demo of the given length.
rampDb :: Int -> Double -> Double
rampDb seconds t = -40 + 40 * t / fromIntegral seconds

-- | The RMS level in dBFS of either output channel this many seconds into a demo
-- of the given length: the sine's RMS (amplitude over the square root of 2), the
-- ramp, and the centre pan's 3 dB.
demoLevelDb :: Int -> Double -> Double
demoLevelDb seconds t = 20 * logBase 10 (amplitude / sqrt 2 / sqrt 2) + rampDb seconds t

-- | Polls the audio figures every 10 ms until they satisfy the predicate, and
-- answers with them; throws 'ErrorCall' after this many seconds.
waitForAudio :: Double -> (AudioFigures -> Bool) -> Rust Mixer AudioFigures
waitForAudio patience done = liftIO getMonotonicTime >>= go
  where
    go started = do
      figures <- callRust QueryAudio
      now <- liftIO getMonotonicTime
      if done figures
        then pure figures
        else do
          when (now - started > patience) $
            liftIO (throwIO (ErrorCall ("the render thread stalled: " <> show figures)))
          liftIO (threadDelay 10000)
          go started
