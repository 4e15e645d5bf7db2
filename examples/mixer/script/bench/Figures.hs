{-# LANGUAGE RankNTypes #-}

-- | The script host's figures, in one run: the time to load a script (cold: the
-- session's first load; warm: later loads of the same file), the latency of a call
-- made from a script against one made from the host, and the host's RSS with and
-- without a script loaded, and over many loads. Figures only, no pass or fail.
module Main (main) where

import Control.Monad (forM, replicateM_)
import Control.Monad.IO.Unlift (withRunInIO)
import Data.List (intercalate, sort)
import GHC.Clock (getMonotonicTimeNSec)
import Mixer.Protocol (Mixer, Ping (..))
import MixerScript (runInBridge, sessionFromEnv)
import RustBridge (Rust, callRust, defaultConfig, withRust)
import RustBridge.ProcSelf (procStatus)
import Script (Script)
import Script.Runner (Context (..))
import ScriptHost (LoadError, Session, loadScript, withSession)
import Text.Printf (printf)

-- | How many pings each latency round makes (the script makes as many).
pings :: Int
pings = 20000

main :: IO ()
main = do
  config <- sessionFromEnv
  withRust defaultConfig $
    withRunInIO $ \unlift -> do
      bare <- procStatus "VmRSS"
      withSession config $ \session -> do
        (cold, entry) <- timed (load session)
        loaded <- procStatus "VmRSS"
        warm <- forM [1 .. 10 :: Int] (const (fst <$> timed (load session)))
        let run = runInBridge unlift (Context (const (pure ())))
            fromHost = replicateM_ pings (callRust Ping) :: Rust Mixer ()
        rounds <- forM [1 .. 3 :: Int] $ \_ -> do
          (hostTime, ()) <- timed (unlift fromHost)
          (scriptTime, ()) <- timed (run entry)
          pure (hostTime, scriptTime)
        let perCall total = total * 1e6 / fromIntegral pings
        printf "script load: cold %.3f s, warm %.3f s (median of %d)\n" cold (median warm) (length warm)
        printf
          "call latency (%d sequential pings, best of %d rounds): from the host %.2f us, from a script %.2f us\n"
          pings
          (length rounds)
          (perCall (minimum (map fst rounds)))
          (perCall (minimum (map snd rounds)))
        printf "host RSS: %d MB with the bridge only, %d MB with a script loaded\n" (bare `div` 1024) (loaded `div` 1024)
        afterLoads <- forM [1 .. 200 :: Int] $ \n -> do
          _ <- load session
          if n `elem` [1, 50, 100, 200] then Just . (,) n <$> procStatus "VmRSS" else pure Nothing
        printf "host RSS over 200 more loads: %s\n" (intercalate ", " [printf "%d MB after %d" (rss `div` 1024) n | Just (n, rss) <- afterLoads] :: String)

-- | Loads the ping script, failing loudly if it does not load.
load :: Session -> IO (Script ())
load session = loadScript session "bench/scripts/pings.hs" >>= either (fail . show :: LoadError -> IO a) pure

-- | The action's wall-clock time in seconds, and its result.
timed :: IO a -> IO (Double, a)
timed action = do
  start <- getMonotonicTimeNSec
  result <- action
  end <- getMonotonicTimeNSec
  pure (fromIntegral (end - start) / 1e9, result)

-- | The median of a non-empty list.
median :: [Double] -> Double
median xs = sort xs !! (length xs `div` 2)
