{-# OPTIONS_GHC -fno-safe-haskell #-}

-- Refused: an options pragma that turns Safe Haskell off. Only language extensions
-- from the allow-list may appear in a script's pragmas.
import Script

script :: Script ()
script = pure ()
