-- Records one frame under a plain name: the file appears in the host's recordings
-- folder.
import Control.Monad (void)
import Script

script :: Script ()
script = void $ call (Record (wireText "take.wav") 1)
