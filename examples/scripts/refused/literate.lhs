A literate script: GHC would read the pragma below only after taking the prose
away, so a check of the raw file would miss it. Refused: a script is a .hs file.

> {-# OPTIONS_GHC -fno-safe-haskell #-}
> import Script
>
> script :: Script ()
> script = pure ()
