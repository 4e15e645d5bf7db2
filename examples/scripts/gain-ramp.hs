-- Ramps channel 1's gain from -48 dB up to 0 dB over two seconds, in 3 dB steps,
-- printing each step as the engine reports it. Run it with
-- `just script examples/scripts/gain-ramp.hs`.
import Script

script :: Script ()
script = do
  _ <- call Reset
  mapM_ step [-48, -45 .. 0]
  say "ramp done"
  where
    step gain = do
      Just info <- call (SetGain (ChannelId 0) gain)
      say ("channel 1 at " <> show (channelInfoGainDb info) <> " dB")
      delay 125
