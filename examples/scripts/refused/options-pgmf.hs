{-# OPTIONS_GHC -F -pgmF /bin/sh #-}

-- Refused: an options pragma that runs a program (a preprocessor) during the load.
-- The pragmas are read without running anything, and -F is not on the allow-list.
import Script

script :: Script ()
script = pure ()
