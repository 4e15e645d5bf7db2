-- Waits until it is replaced, calling nothing: what a reload replaces a busy script
-- with when the test counts the workers after it.
import Control.Monad (forever)
import Script

script :: Script ()
script = forever (delay 1000)
