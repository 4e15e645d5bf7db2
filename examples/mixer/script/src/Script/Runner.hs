{-# LANGUAGE Unsafe #-}

-- | The host's side of "Script": how the script host runs a script's entry point
-- inside the running bridge. Marked @Unsafe@, so a script (compiled as Safe
-- Haskell) cannot import it.
module Script.Runner
  ( Context (..),
    stdoutContext,
    runScript,
  )
where

import Control.Concurrent.MVar (newMVar, withMVar)
import Control.Monad.Trans.Reader (runReaderT)
import Mixer.Protocol (Mixer)
import RustBridge (Rust)
import Script.Monad (Context (..), Script (..))
import System.IO (hFlush, stdout)

-- | A context that prints a script's lines to standard output, one whole line at a
-- time even when the script's threads print at once.
stdoutContext :: IO Context
stdoutContext = do
  lock <- newMVar ()
  pure (Context (\line -> withMVar lock (\() -> putStrLn line >> hFlush stdout)))

-- | Runs a script action with the given context, inside the bridge of the
-- surrounding 'RustBridge.withRust'.
runScript :: Context -> Script a -> Rust Mixer a
runScript context (Script action) = runReaderT action context
