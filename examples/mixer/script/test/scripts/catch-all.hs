-- Calls the engine and catches every exception it can, forever: the cancellation
-- must get through anyway, and no call of it reach the engine after.
{-# LANGUAGE ScopedTypeVariables #-}

import Control.Exception (SomeException)
import Control.Monad (forever)
import Script

script :: Script ()
script = do
  say "running"
  forever (ping `catch` \(_ :: SomeException) -> say "caught")
  where
    ping = do
      Pong <- call Ping
      delay 1
