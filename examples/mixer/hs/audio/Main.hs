-- | The mixer's audio programs: @demo@ renders a gain ramp to a WAV file while
-- Haskell automates it; @realtime@ prints the render thread's figures under a storm
-- of control calls with a subscriber reading the events. @--help@ lists the options.
module Main (main) where

import Control.Concurrent (runInUnboundThread)
import Control.Monad (unless)
import Mixer.Demo (demo)
import Mixer.Protocol
import Options.Applicative
import Realtime (Settings (..), realtime)
import Report (printTable)
import System.IO (hPutStrLn, stderr)

data Command = DemoCommand !FilePath !Int | RealtimeCommand !Settings

commands :: Parser Command
commands =
  hsubparser
    ( command "demo" (info demoOptions (progDesc "Render a gain ramp to a WAV file while Haskell automates it"))
        <> command "realtime" (info realtimeOptions (progDesc "The render thread's figures under a storm of control calls"))
    )
  where
    demoOptions =
      DemoCommand
        <$> strOption (long "out" <> value "mixdown.wav" <> showDefault <> metavar "FILE" <> help "the WAV file to write")
        <*> option auto (long "seconds" <> value 4 <> showDefault <> metavar "N" <> help "how many seconds to render")
    realtimeOptions =
      fmap RealtimeCommand $
        Settings
          <$> option auto (long "seconds" <> value 60 <> showDefault <> metavar "N" <> help "how long the storm lasts")
          <*> option auto (long "callers" <> value 256 <> showDefault <> metavar "N" <> help "concurrent Haskell callers")
          <*> option auto (long "block-frames" <> value 128 <> showDefault <> metavar "N" <> help "frames per block, at 48 kHz")
          <*> option auto (long "meter-hz" <> value 30 <> showDefault <> metavar "N" <> help "meter events per second")

-- | The work runs in an unbound thread, as in the benchmark.
main :: IO ()
main = runInUnboundThread $ do
  chosen <- execParser (info (commands <**> helper) (fullDesc <> progDesc "The mixer's render thread: a demo and its realtime figures"))
  case chosen of
    DemoCommand path seconds -> do
      done <- demo path seconds
      putStrLn ("mixer-audio demo: wrote " <> path)
      print done
      unless (audioFiguresFramesRecordDropped done == 0 && audioFiguresCallbackAllocations done == 0) $
        hPutStrLn stderr "mixer-audio demo: frames were dropped or the callback allocated"
    RealtimeCommand settings -> realtime settings >>= printTable
