{-# LANGUAGE TupleSections #-}

-- | The benchmark's modes. Each runs its own bridge to the mixer engine (or none,
-- for the floor) and returns its figures as 'Row's. Every reply is decoded and
-- matched, so a wrong answer fails the run instead of flattering it.
module Modes
  ( Floor (..),
    Samples,
    Engine (..),
    engineTitle,
    measureFloor,
    latency,
    later,
    throughput,
    castFlood,
    seed,
  )
where

import Control.Concurrent (runInBoundThread, runInUnboundThread, threadDelay, yield)
import Control.Concurrent.Async (cancel, forConcurrently_, wait)
import Control.Exception (ErrorCall (..), throwIO)
import Control.Monad (foldM, forM, forM_, replicateM, replicateM_, unless, when)
import Control.Monad.IO.Class (liftIO)
import Control.Monad.IO.Unlift (withRunInIO)
import Counter.Protocol (Add (..), Counter)
import qualified Data.ByteString as B
import Data.List (partition)
import Data.Proxy (Proxy (..))
import Data.Time.Clock.System (SystemTime (..), getSystemTime)
import qualified Data.Vector.Unboxed as VU
import qualified Data.Vector.Unboxed.Mutable as VUM
import Data.Word (Word64)
import Floor
import Measure
import Mixer.Protocol
import Report
import RustBridge

-- | Per-round-trip durations in nanoseconds, named for the plot's legend.
type Samples = (String, VU.Vector Word64)

-- | The engine a latency series was measured on; the plot draws each engine's
-- series in its own panel.
data Engine
  = -- | The mixer: its render and service threads run beside the bridge.
    MixerEngine
  | -- | The plain engine (the minimal example's counter): no thread but the
    -- bridge's worker.
    PlainEngine
  deriving (Eq, Show, Enum, Bounded)

-- | The engine's name as the plot's panel title.
engineTitle :: Engine -> String
engineTitle MixerEngine = "mixer engine (Ping)"
engineTitle PlainEngine = "plain engine (the counter's Add)"

-- | The floors every bridge figure is compared against, measured in the same run.
data Floor = Floor
  { -- | p50 of a Rust two-thread flume ping-pong (the OS floor), in nanoseconds.
    floorP50 :: !Double,
    -- | The floors' own figures: both ping-pongs' percentiles and the cost of a
    -- safe and an unsafe no-op foreign call.
    floorRows :: ![Row],
    -- | The OS floor's and the spin floor's samples.
    floorSamples :: ![Samples]
  }

-- | The OS floor (a flume ping-pong between two Rust threads that sleep), the spin
-- floor (the same over one atomic, both spinning), and the cost of a raw FFI call,
-- safe and unsafe.
measureFloor :: Int -> IO Floor
measureFloor rounds = do
  os <- VU.fromList <$> floorPingPong rounds
  spin <- VU.fromList <$> floorSpin rounds
  let ps = percentiles os
  safeNs <- perCall rounds noopSafe
  unsafeNs <- perCall rounds noopUnsafe
  pure
    Floor
      { floorP50 = p50 ps,
        floorRows =
          percentileRows "floor" "OS floor: flume ping-pong" ps Nothing
            <> percentileRows "floor" "spin floor: atomic ping-pong" (percentiles spin) Nothing
            <> [ row "floor" "safe no-op FFI call" safeNs "ns",
                 row "floor" "unsafe no-op FFI call" unsafeNs "ns"
               ],
        floorSamples = [("OS floor (flume)", os), ("spin floor (atomic)", spin)]
      }

-- | Sequential round trips from one caller, timed one by one, to two engines: the
-- mixer (its render and service threads running) and a plain engine (the minimal
-- example's counter: no thread but the bridge's worker), each from an unbound
-- caller (like an @async@ thread) and from a bound one (like @main@), with spinning
-- on (the given config) and, from an unbound caller, off; the plain engine also
-- from a caller deep in a @forM@ that collects its timings, and while a mixer
-- bridge runs beside it. With each, the CPU the process used per
-- 1000 calls and, after the burst, during one idle second with the bridge still
-- running: the whole process's, and split into the bridge's (every thread but the
-- 'engineAudioThreads') and the engine's audio threads'. Every run's samples are
-- returned for the plot, tagged with their engine.
latency :: Config -> Floor -> Int -> IO ([Row], [(Engine, Samples)])
latency config base calls = do
  let off = config {spinMicros = 0}
  runs <-
    sequence
      [ mixerRun "spin on" config Unbound,
        mixerRun "spin off" off Unbound,
        mixerRun "spin on, bound caller" config Bound,
        plainRun "spin on" config Unbound,
        plainRun "spin off" off Unbound,
        plainRun "spin on, bound caller" config Bound,
        plainRun "spin on, caller deep in a forM" config Collecting,
        withRust config (expectPong >> liftIO (plainRun "beside a running mixer, spin on" config Unbound))
      ]
  pure (concatMap (\(_, _, (_, _, rows)) -> rows) runs, [(engine, (label, samples)) | (engine, label, (_, samples, _)) <- runs])
  where
    -- The plot's panel names the engine, so its legend names the run by label alone.
    mixerRun label cfg caller = (MixerEngine,label,) <$> latencyWith ("callRust Ping (" <> label <> ")") caller base calls (\k -> withRust cfg (withRunInIO (\run -> k (run expectPong))))
    plainRun label cfg caller = (PlainEngine,label,) <$> latencyWith ("callRust Add (plain engine, " <> label <> ")") caller base calls (\k -> withRust cfg (withRunInIO (\run -> k (run expectTotal))))

-- | One latency run: its name, its samples and its rows.
type Run = (String, VU.Vector Word64, [Row])

-- | Which kind of Haskell thread makes the calls.
data Caller
  = -- | An unbound thread, like one from @async@ or @forkIO@.
    Unbound
  | -- | A bound thread, like @main@ or one from @forkOS@.
    Bound
  | -- | An unbound thread whose calls run inside a @forM@ that collects their
    -- timings, as a user's timing loop does: its Haskell stack grows by a frame
    -- per call, and anything that walks the stack on a call shows here.
    Collecting

-- | Runs the action in a thread of this kind.
onCaller :: Caller -> IO a -> IO a
onCaller Unbound = runInUnboundThread
onCaller Bound = runInBoundThread
onCaller Collecting = runInUnboundThread

-- | 'latency' for one engine, config and caller: the bridge is started by the
-- wrapper, which hands back one round trip.
latencyWith :: String -> Caller -> Floor -> Int -> ((IO () -> IO Run) -> IO Run) -> IO Run
latencyWith what caller base calls withBridge = withBridge $ \roundTrip -> onCaller caller $ do
  replicateM_ 1000 roundTrip
  (voluntaryBefore, involuntaryBefore) <- contextSwitches
  (frozen, cpuNs) <- cpuTimed (sequential caller calls roundTrip)
  (voluntaryAfter, involuntaryAfter) <- contextSwitches
  (((), perThread), idleNs) <- cpuTimed (threadCpuTimed (threadDelay 1000000))
  let (audio, bridge) = partition ((`elem` engineAudioThreads) . fst) perThread
      perCallOf n = fromIntegral n / fromIntegral calls :: Double
      idleRow whose ns = row "latency" (what <> ": idle CPU" <> whose <> ", 1 s after burst") (fromIntegral ns / 1e7) "% core"
  pure
    ( what,
      frozen,
      percentileRows "latency" what (percentiles frozen) (Just base)
        <> [ row "latency" (what <> ": CPU per 1000 calls") (cpuPer1000 cpuNs calls) "ms",
             row "latency" (what <> ": voluntary context switches per call") (perCallOf (voluntaryAfter - voluntaryBefore)) "switches",
             row "latency" (what <> ": involuntary context switches per call") (perCallOf (involuntaryAfter - involuntaryBefore)) "switches",
             idleRow "" idleNs,
             idleRow " of the bridge (all but the engine's audio threads)" (sum (map snd bridge)),
             idleRow " of the engine's audio threads" (sum (map snd audio))
           ]
    )

-- | This many round trips of the action, one after another, each timed (with a
-- progress bar). The samples go into an unboxed vector, so the loop's stack stays
-- flat; the 'Collecting' caller keeps them on its stack instead, as a @forM@ does.
sequential :: Caller -> Int -> IO () -> IO (VU.Vector Word64)
sequential caller calls action = withProgress calls $ \report -> do
  let timedCall i = do
        start <- nowNs
        action
        end <- nowNs
        when (i `mod` 1000 == 999) (report (i + 1))
        pure (end - start)
  case caller of
    -- Each call's timing stays on the stack until the loop ends.
    Collecting -> VU.fromList <$> forM [0 .. calls - 1] timedCall
    _ -> do
      samples <- VUM.new calls
      forM_ [0 .. calls - 1] $ \i -> timedCall i >>= VUM.write samples i
      VU.freeze samples

-- | Answering later, in one bridge: the round trip of a call the engine answers
-- later from another thread ('AwaitFrame' of a frame the render clock has passed,
-- answered through its reply handle by the mixer's service thread) against a
-- direct one ('Ping', answered on the worker), sequential from one caller; 'Ping'
-- with 64 slow deferred calls in flight against none; and how long the engine
-- takes to learn that a caller gave up (from 'cancel' of an 'AwaitFrame' the
-- service thread holds to the service thread dropping it, woken by the handle's
-- cancellation future; timed on the system clock, which both sides read).
later :: Config -> Floor -> Int -> IO ([Row], [(Engine, Samples)])
later config base calls = withRust config $ do
  replicateM_ 1000 expectPong
  withRunInIO $ \run -> do
    (direct, directCpu) <- cpuTimed (sequential Unbound calls (run expectPong))
    (deferred, deferredCpu) <- cpuTimed (sequential Unbound calls (run expectFrame))
    -- Timed again right before the 64 start, for the comparison with them.
    quiet <- sequential Unbound calls (run expectPong)
    now <- run (audioFiguresFrame <$> callRust QueryAudio)
    -- An hour of render clock: they are cancelled, not answered.
    slow <- replicateM 64 (run (asyncRust (callRust (AwaitFrame (now + 48000 * 3600)))))
    awaitOutstanding 64
    loaded <- sequential Unbound calls (run expectPong)
    mapM_ cancel slow
    -- The cancelled ones are gone before each notice is timed from none held.
    awaitOutstanding 0
    notices <- VU.fromList <$> replicateM 1000 (run cancelNotice)
    pure
      ( percentileRows "later" "callRust Ping (direct)" (percentiles direct) (Just base)
          <> [row "later" "callRust Ping (direct): CPU per 1000 calls" (cpuPer1000 directCpu calls) "ms"]
          <> percentileRows "later" "callRust AwaitFrame (answered later by the service thread)" (percentiles deferred) (Just base)
          <> [row "later" "callRust AwaitFrame (answered later): CPU per 1000 calls" (cpuPer1000 deferredCpu calls) "ms"]
          <> percentileRows "later" "callRust Ping, no deferred call in flight" (percentiles quiet) (Just base)
          <> percentileRows "later" "callRust Ping, 64 deferred calls in flight" (percentiles loaded) (Just base)
          <> percentileRows "later" "cancel until the engine learns of it" (percentiles notices) Nothing,
        [(MixerEngine, ("callRust Ping (direct)", direct)), (MixerEngine, ("callRust AwaitFrame (later)", deferred))]
      )

-- | One 'AwaitFrame' of frame 0, which the render clock has passed: the service
-- thread answers it at once.
expectFrame :: Rust Mixer ()
expectFrame = do
  _ <- callRust (AwaitFrame 0)
  pure ()

-- | Waits (at most 10 s) until the engine holds this many deferred reply handles.
awaitOutstanding :: Integer -> IO ()
awaitOutstanding n = go (10000000 :: Int)
  where
    go left = do
      held <- deferredOutstanding <$> bridgeStats (Proxy :: Proxy Mixer)
      unless (held == n) $
        if left <= 0
          then throwIO (ErrorCall ("the engine holds " <> show held <> " deferred calls, not " <> show n))
          else threadDelay 100 >> go (left - 100)

-- | Starts an 'AwaitFrame' the render clock will not reach, waits until the engine
-- holds it (and nothing else), cancels its caller, and returns the nanoseconds
-- until the engine learnt of it.
cancelNotice :: Rust Mixer Word64
cancelNotice = withRunInIO $ \run -> do
  before <- cancelNoticedUnixNs
  waiter <- run (asyncRust (callRust (AwaitFrame maxBound)))
  awaitOutstanding 1
  cancelled <- unixNs
  cancel waiter
  noticed <- untilChanged before (cancelled + 10000000000)
  awaitOutstanding 0
  pure (noticed - min noticed cancelled)
  where
    untilChanged before giveUp = do
      noticed <- cancelNoticedUnixNs
      now <- unixNs
      if noticed /= before
        then pure noticed
        else
          if now > giveUp
            then throwIO (ErrorCall "the engine did not learn of a cancel within 10 s")
            else yield >> untilChanged before giveUp
    unixNs = (\t -> fromIntegral (systemSeconds t) * 1000000000 + fromIntegral (systemNanoseconds t)) <$> getSystemTime

-- | The mixer engine's audio threads: the render thread (375 blocks a second) and
-- the service thread beside it (polling every 2 ms). The engine runs them for as long
-- as it is up, so their CPU in the latency mode's idle second is the engine's audio
-- work, not the bridge's idle cost, and the mode reports it apart.
engineAudioThreads :: [String]
engineAudioThreads = ["mixer-render", "mixer-service"]

-- | Total calls spread over each number of concurrent callers, with the CPU the
-- process used per 1000 calls: for two engines in turn, each in its own bridge,
-- the mixer ('Ping', its render and service threads running) and the plain engine
-- (the counter's 'Add': no thread but the bridge's worker), then for round trips
-- between Haskell threads alone ('withHaskellServer', the floor). The floor runs
-- last, so that the heap its thousands of threads leave behind does not slow the
-- bridge's figures. Rows are labelled by engine and grouped by caller count, in
-- that order.
throughput :: Config -> Floor -> Int -> [Int] -> IO [Row]
throughput config base calls callerCounts = do
  mixer <- withRust config (withRunInIO (\run -> throughputOf "mixer" (run expectPong)))
  plain <- withRust config (withRunInIO (\run -> throughputOf "plain engine" (run expectTotal)))
  haskell <- withHaskellServer (throughputOf "Haskell floor")
  pure (concat (zipWith3 (\a b c -> a <> b <> c) mixer plain haskell))
  where
    -- Each server answers 1000 calls first, so that the first caller count does
    -- not pay for its start.
    throughputOf engine roundTrip = do
      replicateM_ 1000 roundTrip
      forM callerCounts (spread engine roundTrip)
    spread engine roundTrip callers = do
      let each = max 1 (calls `div` callers)
          total = each * callers
      (((), ns), cpuNs) <- cpuTimed (timed (forConcurrently_ [1 .. callers] (const (replicateM_ each roundTrip))))
      let perSecond = fromIntegral total * 1e9 / fromIntegral ns
          amortised = fromIntegral ns / fromIntegral total
          label = engine <> ", " <> show callers <> " callers"
      pure
        [ row "throughput" (label <> ": calls/s") perSecond "calls/s",
          (row "throughput" (label <> ": amortised per call") amortised "ns") {ratio = Just (amortised / floorP50 base), ratioTo = "floor p50"},
          row "throughput" (label <> ": CPU per 1000 calls") (cpuPer1000 cpuNs total) "ms"
        ]

-- | Milliseconds of CPU per 1000 calls, from the nanoseconds of CPU for this many.
cpuPer1000 :: Word64 -> Int -> Double
cpuPer1000 cpuNs n = fromIntegral cpuNs / 1e6 / fromIntegral n * 1000

-- | A flood of 'ResetMeters' casts from one thread, then a call that proves they
-- were handled: one thread's messages reach the engine in order, so 'QueryMeters'
-- is answered only after every cast before it, and its silent meters show that the
-- casts took effect (channel 0 is fed a full-scale sample just before the flood).
-- Resident memory is read before and after: the bounded channel keeps it flat.
castFlood :: Int -> IO [Row]
castFlood casts = withRust defaultConfig $ do
  replicateM_ 10000 (castRust ResetMeters)
  fed <- callRust (WriteSamples (ChannelId 0) (B.pack [0xff, 0x7f]))
  before <- callRust QueryMeters
  liftIO . unless (fed == Just (SamplesWritten 1 maxBound) && not (all silent before)) $
    throwIO (ErrorCall ("the engine did not meter the sample: " <> show fed <> ", " <> show before))
  rssBefore <- liftIO (procStatus "VmRSS")
  (((), ns), cpuNs) <- withRunInIO $ \run -> cpuTimed . timed . withProgress casts $ \report ->
    forM_ [1 .. casts] $ \i -> do
      run (castRust ResetMeters)
      when (i `mod` 10000 == 0) (report i)
  after <- callRust QueryMeters
  rssAfter <- liftIO (procStatus "VmRSS")
  liftIO . unless (casts == 0 || all silent after) $
    throwIO (ErrorCall ("the meters are not silent after " <> show casts <> " ResetMeters casts: " <> show after))
  pure
    [ row "cast" "casts/s" (fromIntegral casts * 1e9 / fromIntegral ns) "casts/s",
      row "cast" "CPU per 1000 casts" (cpuPer1000 cpuNs casts) "ms",
      row "cast" "RSS before flood" (fromIntegral rssBefore) "kB",
      row "cast" "RSS after flood" (fromIntegral rssAfter) "kB",
      row "cast" "RSS growth" (fromIntegral (rssAfter - rssBefore)) "kB"
    ]
  where
    -- The engine meters silence as negative infinity.
    silent reading = let peak = levelPeakDb (meterReadingLevel reading) in isInfinite peak && peak < 0

-- | The seed's shape: this many concurrent 'asyncRust' callers, all at once.
seed :: Int -> IO [Row]
seed callers = do
  threadsBefore <- procStatus "Threads"
  (((pongs, ns), peak), cpuNs) <- cpuTimed . withPeakThreads . timed . withRust defaultConfig $ do
    asyncs <- replicateM callers (asyncRust (callRust Ping))
    liftIO . withProgress callers $ \report ->
      foldM (\count (i, a) -> countPong count <$> wait a <* when (i `mod` 1000 == 0) (report i)) 0 (zip [1 :: Int ..] asyncs)
  pure
    [ row "seed" "calls completed" (fromIntegral pongs) "calls",
      row "seed" "elapsed" (fromIntegral ns / 1e6) "ms",
      row "seed" "calls/s" (fromIntegral pongs * 1e9 / fromIntegral ns) "calls/s",
      row "seed" "CPU per 1000 calls" (cpuPer1000 cpuNs callers) "ms",
      row "seed" "OS threads before" (fromIntegral threadsBefore) "threads",
      row "seed" "peak OS threads" (fromIntegral peak) "threads"
    ]

-- | One 'Add' round trip to the plain engine; its reply, the new total, is decoded
-- and checked before this returns.
expectTotal :: Rust Counter ()
expectTotal = do
  total <- callRust (Add 1)
  liftIO . when (total == 0) $ throwIO (ErrorCall "the counter answered a total of 0 after an Add 1")

-- | One 'Ping' round trip; the reply's type is 'Pong', and it is decoded and
-- matched before this returns.
expectPong :: Rust Mixer ()
expectPong = do
  Pong <- callRust Ping
  pure ()

-- | One more answered 'Ping' of the seed's callers.
countPong :: Int -> Pong -> Int
countPong count Pong = count + 1

perCall :: Int -> IO () -> IO Double
perCall n action = do
  ((), ns) <- timed (replicateM_ n action)
  pure (fromIntegral ns / fromIntegral n)

percentileRows :: String -> String -> Percentiles -> Maybe Floor -> [Row]
percentileRows m what ps base =
  [ (row m (what <> " " <> name) v "ns") {ratio = (v /) . floorP50 <$> base, ratioTo = maybe "" (const "floor p50") base}
    | (name, v) <- [("p50", p50 ps), ("p90", p90 ps), ("p99", p99 ps), ("p99.9", p999 ps), ("max", pMax ps)]
  ]
