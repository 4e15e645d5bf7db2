-- Sends 3 MB of samples built from a list, which the bridge refuses as too long.
import Control.Monad (void)
import Script

script :: Script ()
script = void $ call (WriteSamples (ChannelId 0) (bytes (replicate 3000000 255)))
