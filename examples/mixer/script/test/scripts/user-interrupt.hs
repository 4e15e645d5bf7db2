-- Throws UserInterrupt, which ends a program when its main thread gets it: from a
-- script, it is the script's own failure.
import Control.Exception (AsyncException (UserInterrupt))
import Script

script :: Script ()
script = throw UserInterrupt
