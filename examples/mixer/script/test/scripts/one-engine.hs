-- Reads what the host set (channel 4's gain), and sets something for the host to
-- read (channel 6's gain).
import Script

script :: Script ()
script = do
  Just seen <- call (GetChannel (ChannelId 3))
  say ("channel 4 gain " <> show (channelInfoGainDb seen))
  _ <- call (SetGain (ChannelId 5) (-13))
  pure ()
