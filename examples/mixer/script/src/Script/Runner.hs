{-# LANGUAGE Unsafe #-}

-- | The host's side of "Script": how the script host's worker runs a script's
-- entry point, and the host's check of the requests a worker relays (the same
-- policy the worker applies). Marked @Unsafe@, so a script (compiled as Safe
-- Haskell) cannot import it.
module Script.Runner
  ( Context (..),
    runScript,

    -- * Requests a worker relays
    checkCall,
    checkCast,
    scriptCallTags,
    scriptCastTags,
  )
where

import Control.Monad.Trans.Reader (runReaderT)
import Script.Monad (Context (..), Script (..))
import Script.Policy (checkCall, checkCast, scriptCallTags, scriptCastTags)

-- | Runs a script action with the given context.
runScript :: Context -> Script a -> IO a
runScript context (Script action) = runReaderT action context
