{-# LANGUAGE Unsafe #-}

-- | The host's side of "Script": how the script host's worker runs a script's
-- entry point. Marked @Unsafe@, so a script (compiled as Safe Haskell) cannot
-- import it.
module Script.Runner
  ( Context (..),
    runScript,
  )
where

import Control.Monad.Trans.Reader (runReaderT)
import Script.Monad (Context (..), Script (..))

-- | Runs a script action with the given context.
runScript :: Context -> Script a -> IO a
runScript context (Script action) = runReaderT action context
