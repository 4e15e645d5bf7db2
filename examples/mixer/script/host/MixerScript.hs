{-# LANGUAGE RankNTypes #-}

-- | The mixer's script host setup, shared by the executable, its tests and its
-- figures: the session configuration for the "Script" API and the function that
-- runs a script's entry point inside the running bridge.
module MixerScript
  ( hostSession,
    scriptRunner,
  )
where

import Mixer.Protocol (Mixer)
import RustBridge (Rust)
import Script (Script)
import Script.Runner (Context, runScript, stdoutContext)
import ScriptHost (Session, SessionConfig (..), sessionConfig, withSession)

-- | Runs the action with an interpreter session for mixer scripts: the API package
-- @mixer-script@, its module "Script", the entry point @script :: Script ()@, and the given
-- package databases (where @mixer-script@ is registered) besides GHC's own.
hostSession :: [FilePath] -> (Session -> IO a) -> IO a
hostSession dbs = withSession (sessionConfig "mixer-script" "Script" "script") {packageDbs = dbs}

-- | The function the host runs entry points with, printing to standard output,
-- given the surrounding bridge's unlift (from 'Control.Monad.IO.Unlift.withRunInIO').
scriptRunner :: (forall x. Rust Mixer x -> IO x) -> IO (Script () -> IO ())
scriptRunner unlift = runIn unlift <$> stdoutContext

-- | Runs entry points with the given context.
runIn :: (forall x. Rust Mixer x -> IO x) -> Context -> Script () -> IO ()
runIn unlift context = unlift . runScript context
