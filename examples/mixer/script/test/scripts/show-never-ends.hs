-- Throws an exception whose show never ends, in a loop with no yield point (the
-- length of a cyclic list, in base's compiled code).
import Control.Exception (Exception)
import Script

data Slow = Slow

instance Show Slow where
  show _ = show (length cyclic)
    where
      cyclic = () : cyclic

instance Exception Slow

script :: Script ()
script = throw Slow
