-- Catches every exception it can, forever: the cancellation must get through anyway.
{-# LANGUAGE ScopedTypeVariables #-}

import Control.Exception (SomeException)
import Control.Monad (forever)
import Script

script :: Script ()
script = do
  say "running"
  forever (delay 5 `catch` \(_ :: SomeException) -> say "caught")
