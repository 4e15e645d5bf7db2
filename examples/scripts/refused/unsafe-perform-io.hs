-- Refused: unsafePerformIO. System.IO.Unsafe is not safe, and scripts are Safe
-- Haskell.
import Script
import System.IO.Unsafe (unsafePerformIO)

{-# NOINLINE script #-}
script :: Script ()
script = unsafePerformIO (pure (say "ran IO outside the Script monad"))
