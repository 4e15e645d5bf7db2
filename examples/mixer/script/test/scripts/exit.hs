-- Throws an ExitCode, which ends a program when its main thread gets it: from a
-- script, it is the script's own failure.
import Script
import System.Exit (ExitCode (ExitFailure))

script :: Script ()
script = throw (ExitFailure 7)
