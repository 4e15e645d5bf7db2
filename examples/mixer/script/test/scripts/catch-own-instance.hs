-- Calls the engine and catches every exception through an instance of its own
-- whose fromException accepts anything, forever: the reload must get through
-- anyway, and no call of it reach the engine after.
{-# LANGUAGE ScopedTypeVariables #-}

import Control.Exception (Exception (..), SomeException)
import Control.Monad (forever)
import Script

newtype Anything = Anything SomeException

instance Show Anything where
  show _ = "anything"

instance Exception Anything where
  fromException = Just . Anything

script :: Script ()
script = do
  say "running"
  forever (ping `catch` \(_ :: Anything) -> say "caught")
  where
    ping = do
      Pong <- call Ping
      delay 1
