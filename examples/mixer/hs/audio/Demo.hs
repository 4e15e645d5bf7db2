-- | The demo: the mixer renders a tone to a WAV file for some seconds while
-- Haskell automates a gain ramp on it, -40 dB to 0 dB, one lane per second sent
-- while the one before it plays. The file is written off the render thread.
module Demo
  ( demo,
    waitForAudio,
  )
where

import Control.Concurrent (threadDelay)
import Control.Exception (ErrorCall (..), throwIO)
import Control.Monad (forM_, unless, void, when)
import Control.Monad.IO.Class (liftIO)
import qualified Data.Text as T
import Data.Word (Word64)
import GHC.Clock (getMonotonicTime)
import Mixer.Protocol
import Mixer.Tone (sine)
import RustBridge
import System.IO (hPutStrLn, stderr)

-- | Renders this many seconds to the WAV file at this path, and prints what the
-- render thread did. Throws 'ErrorCall' if the recording cannot start, falls
-- behind, or the render thread stalls.
demo :: FilePath -> Int -> IO ()
demo path seconds = withRust defaultConfig $ do
  _ <- callRust (WriteSamples (ChannelId 0) (sine 120 0.5))
  outcome <- callRust (Record (WireText (T.pack path)) (fromIntegral seconds * rate))
  start <- case outcome of
    Recording frame -> pure frame
    RecordRefused why -> liftIO (throwIO (ErrorCall ("the recording did not start: " <> show why)))
  let point k = (fromIntegral (k * fromIntegral rate), gain k)
      gain k = -40 + 40 * fromIntegral k / fromIntegral seconds
  forM_ [0 .. seconds - 1] $ \k -> do
    -- Lane k covers seconds k - 1 to k + 1, so it takes over seamlessly from lane
    -- k - 1, which is playing second k - 1 when it arrives.
    when (k > 0) . void . waitForAudio (fromIntegral seconds + 30) $ \f ->
      audioFiguresFrame f >= start + fromIntegral (k - 1) * rate + rate `div` 2
    void (callRust (Automate (Automation (ChannelId 0) start (map point [max 0 (k - 1) .. k + 1]) Linear)))
  done <- waitForAudio (fromIntegral seconds + 30) (not . audioFiguresRecording)
  liftIO $ do
    putStrLn ("mixer-audio demo: wrote " <> path)
    print done
    unless (audioFiguresFramesRecordDropped done == 0 && audioFiguresCallbackAllocations done == 0) $
      hPutStrLn stderr "mixer-audio demo: frames were dropped or the callback allocated"
  where
    rate = 48000 :: Word64

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
