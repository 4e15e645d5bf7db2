-- Prints the engine's state every 100 ms, twenty times (two seconds): the transport
-- position, and each channel's gain and peak level. A second thread meanwhile moves
-- the transport and writes samples, so there is something to see. Run it with
-- `just script examples/scripts/engine-state.hs`, or with `--watch` to edit it
-- while it runs.
import Control.Monad (forM_, forever)
import Script

script :: Script ()
script = withAsync activity $ \_ -> forM_ [1 .. 20 :: Int] $ \tick -> do
  position <- call (Seek 0)
  meters <- call QueryMeters
  channels <- mapM (call . GetChannel . ChannelId) [0 .. 3]
  say
    ( "tick " <> show tick <> ": frame " <> show position
        <> concat [" | ch" <> show (n + 1) <> " " <> show (channelInfoGainDb c) <> " dB" | (n, Just c) <- zip [0 :: Int ..] channels]
        <> " | peaks "
        <> show [levelPeakDb (meterReadingLevel m) | m <- take 4 meters]
    )
  delay 100
  where
    activity = forever $ do
      _ <- call (Seek 4800)
      _ <- call (WriteSamples (ChannelId 0) (bytes (replicate 64 100)))
      delay 50
