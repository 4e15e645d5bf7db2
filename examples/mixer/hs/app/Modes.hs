-- | The benchmark's modes. Each runs its own bridge (or none, for the floor) and
-- returns its figures as 'Row's. Every reply is checked, so a wrong answer fails the
-- run instead of flattering it.
module Modes
  ( Floor (..),
    measureFloor,
    latency,
    throughput,
    castFlood,
    seed,
  )
where

import Control.Concurrent.Async (forConcurrently_, wait)
import Control.Exception (ErrorCall (..), throwIO)
import Control.Monad (foldM, forM, forM_, replicateM, replicateM_, unless, when)
import Control.Monad.IO.Class (liftIO)
import Control.Monad.IO.Unlift (withRunInIO)
import qualified Data.Vector.Unboxed as VU
import qualified Data.Vector.Unboxed.Mutable as VUM
import Data.Word (Word64)
import Measure
import Report
import RustBridge

-- | The floor every bridge figure is compared against, measured in the same run.
data Floor = Floor
  { -- | p50 of a Rust two-thread flume ping-pong, in nanoseconds.
    floorP50 :: !Double,
    floorRows :: ![Row]
  }

-- | The audit's design measured ≈ 76k calls/s with 256 callers on this machine; the
-- throughput target is 10 times that.
auditCallsPerSecond :: Double
auditCallsPerSecond = 76000

-- | The Rust ping-pong floor and the cost of a raw FFI call, safe and unsafe.
measureFloor :: Int -> IO Floor
measureFloor rounds = do
  samples <- floorPingPong rounds
  let ps = percentiles (VU.fromList samples)
  safeNs <- perCall rounds noopSafe
  unsafeNs <- perCall rounds noopUnsafe
  pure
    Floor
      { floorP50 = p50 ps,
        floorRows =
          percentileRows "floor" "rust ping-pong round trip" ps Nothing
            <> [ row "floor" "safe no-op FFI call" safeNs "ns",
                 row "floor" "unsafe no-op FFI call" unsafeNs "ns"
               ]
      }

-- | Sequential round trips from one caller, timed one by one. Samples go into an
-- unboxed vector: a loop that accumulated a list would grow the Haskell stack, and
-- the RTS walks the whole stack every time the caller blocks.
latency :: Floor -> Int -> IO [Row]
latency base calls = withRust defaultConfig $ do
  replicateM_ 1000 expectPong
  samples <- liftIO (VUM.new calls)
  withRunInIO $ \run -> withProgress calls $ \report ->
    forM_ [0 .. calls - 1] $ \i -> do
      start <- nowNs
      run expectPong
      end <- nowNs
      VUM.write samples i (end - start)
      when (i `mod` 1000 == 999) (report (i + 1))
  frozen <- liftIO (VU.freeze samples)
  pure (percentileRows "latency" "callRust Ping round trip" (percentiles frozen) (Just base))

-- | Total calls spread over each number of concurrent callers.
throughput :: Floor -> Int -> [Int] -> IO [Row]
throughput base calls callerCounts = withRust defaultConfig . fmap concat . forM callerCounts $ \callers -> do
  let each = max 1 (calls `div` callers)
      total = each * callers
  ((), ns) <- withRunInIO $ \run -> timed (forConcurrently_ [1 .. callers] (const (run (replicateM_ each expectPong))))
  let perSecond = fromIntegral total * 1e9 / fromIntegral ns
      amortised = fromIntegral ns / fromIntegral total
      label = show callers <> " callers"
  pure
    [ (row "throughput" (label <> ": calls/s") perSecond "calls/s") {ratio = Just (perSecond / auditCallsPerSecond), ratioTo = "audit (76k/s)"},
      (row "throughput" (label <> ": amortised per call") amortised "ns") {ratio = Just (amortised / floorP50 base), ratioTo = "floor p50"}
    ]

-- | A flood of casts from one thread, then a call that proves every cast arrived.
-- Resident memory is read before and after: the bounded channel keeps it flat.
castFlood :: Int -> IO [Row]
castFlood casts = withRust defaultConfig $ do
  replicateM_ 10000 (castRust Ping)
  warm <- castCount
  rssBefore <- liftIO (procStatus "VmRSS")
  ((), ns) <- withRunInIO $ \run -> timed . withProgress casts $ \report ->
    forM_ [1 .. casts] $ \i -> do
      run (castRust Ping)
      when (i `mod` 10000 == 0) (report i)
  handled <- castCount
  rssAfter <- liftIO (procStatus "VmRSS")
  liftIO . unless (handled - warm == fromIntegral casts) $
    throwIO (ErrorCall ("engine handled " <> show (handled - warm) <> " of " <> show casts <> " casts"))
  pure
    [ row "cast" "casts/s" (fromIntegral casts * 1e9 / fromIntegral ns) "casts/s",
      row "cast" "RSS before flood" (fromIntegral rssBefore) "kB",
      row "cast" "RSS after flood" (fromIntegral rssAfter) "kB",
      row "cast" "RSS growth" (fromIntegral (rssAfter - rssBefore)) "kB"
    ]

-- | The seed's shape: this many concurrent 'asyncRust' callers, all at once.
seed :: Int -> IO [Row]
seed callers = do
  threadsBefore <- procStatus "Threads"
  ((pongs, ns), peak) <- withPeakThreads . timed . withRust defaultConfig $ do
    asyncs <- replicateM callers (asyncRust (callRust Ping))
    liftIO . withProgress callers $ \report ->
      foldM (\count (i, a) -> countPong count <$> wait a <* when (i `mod` 1000 == 0) (report i)) 0 (zip [1 :: Int ..] asyncs)
  pure
    [ row "seed" "calls completed" (fromIntegral pongs) "calls",
      row "seed" "elapsed" (fromIntegral ns / 1e6) "ms",
      row "seed" "calls/s" (fromIntegral pongs * 1e9 / fromIntegral ns) "calls/s",
      row "seed" "OS threads before" (fromIntegral threadsBefore) "threads",
      row "seed" "peak OS threads" (fromIntegral peak) "threads"
    ]

expectPong :: Rust ()
expectPong = do
  reply <- callRust Ping
  unless (reply == Pong) $ liftIO (throwIO (ErrorCall ("expected Pong, got " <> show (reply :: MessageBody))))

countPong :: Int -> MessageBody -> Int
countPong count reply = if reply == Pong then count + 1 else count

castCount :: Rust Word64
castCount = do
  reply <- callRust GetCastCount
  case reply of
    CastCount n -> pure n
    other -> liftIO (throwIO (ErrorCall ("expected CastCount, got " <> show other)))

perCall :: Int -> IO () -> IO Double
perCall n action = do
  ((), ns) <- timed (replicateM_ n action)
  pure (fromIntegral ns / fromIntegral n)

percentileRows :: String -> String -> Percentiles -> Maybe Floor -> [Row]
percentileRows m what ps base =
  [ (row m (what <> " " <> name) v "ns") {ratio = (v /) . floorP50 <$> base, ratioTo = maybe "" (const "floor p50") base}
    | (name, v) <- [("p50", p50 ps), ("p90", p90 ps), ("p99", p99 ps), ("p99.9", p999 ps), ("max", pMax ps)]
  ]
