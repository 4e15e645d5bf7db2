-- Throws an exception whose show is endless text.
import Control.Exception (Exception)
import Script

data Endless = Endless

instance Show Endless where
  show _ = cycle "endless "

instance Exception Endless

script :: Script ()
script = throw Endless
