{-# LANGUAGE GeneralizedNewtypeDeriving #-}
{-# LANGUAGE RankNTypes #-}

-- | The script monad's representation, shared by "Script" (what scripts use) and
-- "Script.Runner" (what the host uses). Not exposed: a script can name 'Script' but
-- never take it apart or make one from an 'IO' action.
module Script.Monad
  ( Script (..),
    Context (..),
    liftScript,
    withRunInScript,
  )
where

import Control.Monad.Trans.Class (lift)
import Control.Monad.Trans.Reader (ReaderT (..))
import ScriptHost.Worker (Link)

-- | What the host gives a running script: its way to the engine and to the host's
-- output, and where its recordings go.
data Context = Context
  { -- | The script's way to the host, which passes its calls and casts to the one
    -- engine it runs, and prints its lines.
    link :: !Link,
    -- | The folder a script's recordings go to, or 'Nothing' for no recordings.
    recordings :: !(Maybe FilePath)
  }

-- | An action of a script: it can talk to the mixer engine that the host runs, and
-- do what "Script" offers, nothing else. There is no 'Control.Monad.IO.Class.MonadIO'
-- instance: a script cannot run an 'IO' action of its own.
newtype Script a = Script (ReaderT Context IO a)
  deriving (Functor, Applicative, Monad)

-- | A pattern that does not match in a script's @do@ block (@Just info <- call
-- ...@) throws a 'userError' with the message, as in 'IO'.
instance MonadFail Script where
  fail = liftScript . ioError . userError

-- | Runs an 'IO' action as a step of a script (for "Script"'s own functions only).
liftScript :: IO a -> Script a
liftScript = Script . lift

-- | Gives an 'IO' action a way to run script actions in the current script's
-- context (for "Script"'s own functions only).
withRunInScript :: ((forall x. Script x -> IO x) -> IO b) -> Script b
withRunInScript inner = Script . ReaderT $ \context -> inner (\(Script action) -> runReaderT action context)
