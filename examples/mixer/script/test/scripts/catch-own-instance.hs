-- Catches every exception through an instance of its own whose fromException
-- accepts anything, forever: the reload must get through anyway.
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
  forever (delay 5 `catch` \(_ :: Anything) -> say "caught")
