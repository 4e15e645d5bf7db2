-- | @rs-in-hs-script FILE@: starts the mixer engine once, then loads the mixer
-- script FILE in a worker process and runs its entry point @script@, passing its
-- calls to the engine. With @--watch@ it reloads the script each time the file
-- changes, ending the running one first, until interrupted.
--
-- Exit status without @--watch@: 0 when the script finished, 2 when it did not load
-- (a refusal, a compile error or a bound of the load, with the reason on stderr),
-- 3 when it threw an exception (shown on stderr), 4 when it went over the memory
-- bound, 5 when its worker crashed; 1 for a usage error.
module Main (main) where

import Control.Monad (unless)
import Control.Monad.IO.Unlift (withRunInIO)
import Data.Maybe (fromMaybe)
import MixerScript (mixerHost, mixerSession, relayTo, serveIfWorker, wholeLines)
import Options.Applicative
import RustBridge (defaultConfig, withRust)
import ScriptHost (HostConfig (..), LoadError (..), Outcome (..), SessionConfig (..), runFile, watchFile, withRunner)
import System.Exit (ExitCode (..), exitWith)
import System.IO (hPutStrLn, stderr)

-- | The command line.
data Options = Options
  { watch :: !Bool,
    databases :: ![FilePath],
    libdir :: !(Maybe FilePath),
    recordingsDir :: !(Maybe FilePath),
    memoryMegabytes :: !(Maybe Int),
    loadSeconds :: !(Maybe Int),
    file :: !FilePath
  }

options :: ParserInfo Options
options =
  info
    ( helper
        <*> ( Options
                <$> switch (long "watch" <> help "Reload the script each time the file changes")
                <*> many
                  ( strOption
                      ( long "package-db"
                          <> metavar "DIR"
                          <> help "A package database that holds the mixer-script package (repeatable)"
                      )
                  )
                <*> optional
                  ( strOption
                      ( long "ghc-libdir"
                          <> metavar "DIR"
                          <> help "GHC's library directory (default: that of the GHC that built this program)"
                      )
                  )
                <*> optional
                  ( strOption
                      ( long "recordings"
                          <> metavar "DIR"
                          <> help "The folder a script's recordings go to (default: none; recordings are refused)"
                      )
                  )
                <*> optional
                  ( option
                      auto
                      ( long "memory-limit"
                          <> metavar "MB"
                          <> help "The script's memory bound, in megabytes of resident memory (default 2048)"
                      )
                  )
                <*> optional
                  ( option
                      auto
                      ( long "load-timeout"
                          <> metavar "SECONDS"
                          <> help "How long a script may take to load (default 20)"
                      )
                  )
                <*> strArgument (metavar "FILE" <> help "The script to run")
            )
    )
    (fullDesc <> progDesc "Run a mixer script against the mixer engine")

main :: IO ()
main = do
  serveIfWorker
  opts <- execParser options
  let session = mixerSession {packageDbs = databases opts, ghcLibdir = fromMaybe (ghcLibdir mixerSession) (libdir opts)}
  defaults <- mixerHost session (recordingsDir opts)
  let host =
        defaults
          { memoryLimit = maybe (memoryLimit defaults) (\mb -> fromIntegral mb * 1024 * 1024) (memoryMegabytes opts),
            loadTimeout = maybe (loadTimeout defaults) (* 1000000) (loadSeconds opts)
          }
  code <- withRust defaultConfig $
    withRunInIO $ \unlift -> do
      relay <- relayTo (recordingsDir opts) unlift <$> wholeLines
      if watch opts
        then withRunner host relay (hPutStrLn stderr . describe) $ \runner ->
          watchFile runner (hPutStrLn stderr . describe . NotLoaded) (file opts)
        else do
          outcome <- runFile host relay (file opts)
          unless (outcome == Finished) (hPutStrLn stderr (describe outcome))
          pure (exitCode outcome)
  exitWith code

-- | The exit status for an outcome.
exitCode :: Outcome -> ExitCode
exitCode outcome = case outcome of
  Finished -> ExitSuccess
  NotLoaded _ -> ExitFailure 2
  Threw _ -> ExitFailure 3
  OverMemory _ -> ExitFailure 4
  Crashed _ -> ExitFailure 5

-- | An outcome as the host reports it.
describe :: Outcome -> String
describe outcome = case outcome of
  Finished -> "script finished"
  Threw problem -> "script threw: " <> problem
  OverMemory bytes -> "script ended: it went over the memory bound (" <> show (bytes `div` (1024 * 1024)) <> " MB resident)"
  Crashed how -> "script ended: its worker process " <> how
  NotLoaded (Refused why) -> "script refused: " <> why
  NotLoaded (DidNotCompile messages) -> "script did not compile:\n" <> messages
  NotLoaded (OverLimit why) -> "script abandoned: " <> why
  NotLoaded (SessionFailed why) -> "script host failed: " <> why
