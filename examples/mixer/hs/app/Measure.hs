-- | Measuring tools for the benchmark: the monotonic clock, percentiles, and what the
-- process uses (OS threads, resident memory, each thread's CPU time), read from
-- @/proc/self@ by the bridge's "RustBridge.ProcSelf".
module Measure
  ( nowNs,
    timed,
    cpuTimed,
    threadCpuTimed,
    Percentiles (..),
    percentiles,
    procStatus,
    withPeakThreads,
    withProgress,
  )
where

import Control.Concurrent (threadDelay)
import Control.Concurrent.Async (withAsync)
import Control.Monad (forever)
import Data.Foldable (find)
import Data.IORef (atomicModifyIORef', newIORef, readIORef)
import qualified Data.Vector.Unboxed as VU
import Data.Word (Word64)
import GHC.Clock (getMonotonicTimeNSec)
import RustBridge.ProcSelf (ThreadCpu (..), procStatus, threadCpu)
import Statistics.Quantile (medianUnbiased, quantile)
import System.CPUTime (getCPUTime)
import System.IO (stderr)
import System.ProgressBar (Progress (..), ProgressBar, defStyle, hNewProgressBar, updateProgress)

-- | The monotonic clock, in nanoseconds.
nowNs :: IO Word64
nowNs = getMonotonicTimeNSec

-- | Runs an action and returns its result with the elapsed nanoseconds.
timed :: IO a -> IO (a, Word64)
timed action = do
  start <- nowNs
  result <- action
  end <- nowNs
  pure (result, end - start)

-- | Runs an action and returns its result with the CPU time, in nanoseconds, that
-- the whole process (every thread, Rust's worker included) used meanwhile.
cpuTimed :: IO a -> IO (a, Word64)
cpuTimed action = do
  start <- getCPUTime
  result <- action
  end <- getCPUTime
  pure (result, fromIntegral ((end - start) `div` 1000))

-- | Runs an action and returns its result with the CPU time, in nanoseconds, that
-- each OS thread used meanwhile, by thread name. A thread that started meanwhile
-- counts from zero; one that ended meanwhile is left out.
threadCpuTimed :: IO a -> IO (a, [(String, Word64)])
threadCpuTimed action = do
  before <- threadCpu
  result <- action
  after <- threadCpu
  let start tid = maybe 0 threadCpuNs (find ((== tid) . threadTid) before)
  pure (result, [(threadName t, threadCpuNs t - start (threadTid t)) | t <- after])

-- | Latency percentiles, in nanoseconds.
data Percentiles = Percentiles
  { -- | The median.
    p50 :: !Double,
    -- | The 90th percentile.
    p90 :: !Double,
    -- | The 99th percentile.
    p99 :: !Double,
    -- | The 99.9th percentile.
    p999 :: !Double,
    -- | The slowest sample.
    pMax :: !Double
  }

-- | Percentiles of per-call samples (statistics' median-unbiased estimator).
percentiles :: VU.Vector Word64 -> Percentiles
percentiles samples =
  Percentiles (at 50 100) (at 90 100) (at 99 100) (at 999 1000) (VU.maximum values)
  where
    values = VU.map fromIntegral samples :: VU.Vector Double
    at k q = quantile medianUnbiased k q values

-- | Runs an action while sampling the OS thread count every millisecond; returns the
-- result and the peak seen.
withPeakThreads :: IO a -> IO (a, Int)
withPeakThreads action = do
  peak <- newIORef =<< procStatus "Threads"
  let sample = procStatus "Threads" >>= \n -> atomicModifyIORef' peak (\p -> (max p n, ()))
  result <- withAsync (forever (sample >> threadDelay 1000)) (const action)
  sample
  (,) result <$> readIORef peak

-- | Runs an action with a progress bar on stderr; the action reports how many of the
-- given total are done.
withProgress :: Int -> ((Int -> IO ()) -> IO a) -> IO a
withProgress total action = do
  bar <- hNewProgressBar stderr defStyle 10 (Progress 0 total ())
  action (report bar)
  where
    report :: ProgressBar () -> Int -> IO ()
    report bar done = updateProgress bar (\p -> p {progressDone = done})
