{-# LANGUAGE RankNTypes #-}
{-# LANGUAGE ScopedTypeVariables #-}

-- | The script host's figures, in one run: the time to load a script (a worker
-- started and the script compiled in it), the latency of a call made from a
-- script against one made from the host, reloads of scripts written to resist
-- them, a compile bomb until its load is abandoned, and the host's memory before,
-- during and after a script that holds gigabytes. Figures only, no pass or fail.
module Main (main) where

import Control.Concurrent (threadDelay)
import Control.Exception (IOException, try)
import Control.Monad (forM, replicateM_)
import Control.Monad.IO.Unlift (withRunInIO)
import Data.Char (isDigit)
import Data.List (sort)
import GHC.Clock (getMonotonicTimeNSec)
import Mixer.Protocol (Mixer, Ping (..))
import MixerScript (mixerHost, relayTo, serveIfWorker, sessionFromEnv)
import RustBridge (Rust, callRust, defaultConfig, withRust)
import RustBridge.ProcSelf (procStatus)
import ScriptHost (HostConfig (..), Outcome (..), reload, runFile, withRunner)
import System.Directory (listDirectory)
import Text.Printf (printf)

-- | How many pings each latency round makes (the script makes as many).
pings :: Int
pings = 20000

-- | The suite's scripts, from the package's folder (where the recipe runs this).
scripts :: FilePath
scripts = "test/scripts/"

main :: IO ()
main = do
  serveIfWorker
  session <- sessionFromEnv
  config <- mixerHost session Nothing
  withRust defaultConfig $
    withRunInIO $ \unlift -> do
      let relay = relayTo Nothing unlift (const (pure ()))
          runOnce file = timed (runFile config relay file)
      loads <- forM [1 .. 10 :: Int] (const (fst <$> runOnce (scripts <> "idle.hs")))
      printf "script load (a worker started, the script compiled, run and ended): median %.3f s, max %.3f s (of %d)\n" (median loads) (maximum loads) (length loads)
      let fromHost = replicateM_ pings (callRust Ping) :: Rust Mixer ()
      rounds <- forM [1 .. 3 :: Int] $ \_ -> do
        (hostTime, ()) <- timed (unlift fromHost)
        (scriptTime, _) <- runOnce "bench/scripts/pings.hs"
        (idleTime, _) <- runOnce (scripts <> "idle.hs")
        pure (hostTime, scriptTime - idleTime)
      let perCall total = total * 1e6 / fromIntegral pings
      printf
        "call latency (%d sequential pings, best of %d rounds): from the host %.2f us, from a script %.2f us\n"
        pings
        (length rounds)
        (perCall (minimum (map fst rounds)))
        (perCall (minimum (map snd rounds)))
      reloads <- withRunner config relay (const (pure ())) $ \runner ->
        forM (take 100 (cycle ["catch-all.hs", "catch-own-instance.hs", "cyclic-loop.hs", "memory-hog.hs"])) $ \file -> do
          _ <- reload runner (scripts <> file)
          threadDelay 50000
          fst <$> timed (reload runner (scripts <> "idle.hs"))
      printf "reload of a script written to resist it (catch-all, own-instance catch, cyclic loop, memory hog; 100 reloads): p50 %.0f ms, max %.0f ms\n" (median reloads * 1000) (maximum reloads * 1000)
      let bound = 5
      (bomb, outcome) <- timed (runFile config {loadTimeout = bound * 1000000} relay (scripts <> "compile-bomb.hs"))
      printf "compile bomb with a %d s load bound: abandoned after %.2f s (%s)\n" bound bomb (show outcome)
      before <- procStatus "VmRSS"
      hog <- runFile config {memoryLimit = 1024 * 1024 * 1024} relay (scripts <> "memory-hog.hs")
      threadDelay 100000
      after <- procStatus "VmRSS"
      let during = case hog of
            OverMemory bytes -> show (bytes `div` (1024 * 1024)) <> " MB in its worker when it was ended"
            other -> "not ended for its memory: " <> show other
      printf "memory hog with a 1 GiB bound: host RSS before %d MB; the hog %s; host RSS after %d MB\n" (before `div` 1024) during (after `div` 1024)
      (ahead, amid, behind) <- withRunner config relay (const (pure ())) $ \runner -> do
        threadDelay 1000000
        ahead <- familyRss
        _ <- reload runner (scripts <> "memory-hog.hs")
        threadDelay 1500000
        amid <- familyRss
        _ <- reload runner (scripts <> "idle.hs")
        threadDelay 1000000
        (,,) ahead amid <$> familyRss
      printf "memory hog replaced by a reload: RSS of the host and its workers before %d MB, 1.5 s into the hog %d MB, 1 s after the reload %d MB\n" (ahead `div` 1024) (amid `div` 1024) (behind `div` 1024)

-- | The resident memory of this process and its children (the workers), in kB.
familyRss :: IO Int
familyRss = do
  self <- takeWhile (/= ' ') <$> readFile "/proc/self/stat"
  entries <- filter (all isDigit) <$> listDirectory "/proc"
  sizes <- forM entries $ \pid -> do
    reading <- try (readProc pid)
    pure $ case reading of
      Right (parent, kb) | parent == self -> kb
      Right _ -> 0
      Left (_ :: IOException) -> 0
  (+ sum sizes) <$> procStatus "VmRSS"
  where
    -- The parent's pid (the second field after the command, which ends with the
    -- last ')') and the resident memory of a process.
    readProc pid = do
      stat <- readFile ("/proc/" <> pid <> "/stat")
      status <- readFile ("/proc/" <> pid <> "/status")
      let parent = case words (reverse (takeWhile (/= ')') (reverse stat))) of
            _ : ppid : _ -> ppid
            _ -> ""
          kb = sum [read size | line <- lines status, ("VmRSS:", rest) <- [splitAt 6 line], [size, _] <- [words rest]]
      length status `seq` pure (parent, kb)

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
