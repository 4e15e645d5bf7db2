{-# LANGUAGE RankNTypes #-}
{-# LANGUAGE ScopedTypeVariables #-}

-- | The soak: a million calls (by default) to the probe engine from many concurrent
-- callers, a random share of them cancelled mid-call (async's 'cancel',
-- 'callRustTimeout' with a tiny deadline, 'killThread'), while other threads flood
-- the engine with @Note@ casts and another makes it emit bursts of events; each round
-- runs inside its own 'withEvents' subscription (every other one with a handler slow
-- enough to make the engine drop events).
--
-- Every call sends @Echo id@ with an id no other call uses, and the engine answers
-- with that id, so a reply that is not its own is a crossed reply. A random share of
-- the calls (@--later-share@) send @EchoLater id@ instead, which the engine answers
-- later from its four helper threads; they are cancelled like the others. It checks,
-- and prints:
--
-- * every call that was not cancelled got exactly its own reply (none lost, none
--   crossed, no 'BridgeError');
-- * every cast reached the engine (its cast count equals the casts sent);
-- * no 'StablePtr' token is outstanding, no deferred reply handle is outstanding,
--   and Rust's counters balance after deinit;
-- * every event emitted was delivered or dropped, the handlers saw no more events
--   than were delivered (a subscription that ends mid-batch discards the rest of
--   it), they were told of no more missed events than were dropped, and every
--   events wake-up token came back;
-- * OS threads and resident memory are flat: read after a major GC at the end of
--   the first round and of the last.
--
-- It exits with status 1 on any violation, and also when no call completes for
-- @--stall@ seconds (the calls still in flight are then lost).
module Main (main) where

import Control.Concurrent (forkFinally, forkIO, killThread, runInUnboundThread, threadDelay, yield)
import Control.Concurrent.Async (async, cancel, forConcurrently, wait, waitCatch)
import Control.Concurrent.MVar (newEmptyMVar, putMVar, takeMVar)
import Control.Exception (ErrorCall (..), SomeAsyncException, fromException, throwIO, try)
import Control.Monad (forM, unless, when)
import Control.Monad.IO.Class (liftIO)
import Control.Monad.IO.Unlift (withRunInIO)
import Data.IORef (IORef, atomicModifyIORef', newIORef, readIORef, writeIORef)
import Data.Proxy (Proxy (..))
import Data.Word (Word64)
import GHC.Clock (getMonotonicTimeNSec)
import Options.Applicative
import Probe.Protocol (Echo (..), EchoLater (..), EmitTicks (..), GetCastCount (..), Note (..), Probe)
import RustBridge
import RustBridge.ProcSelf (procStatus)
import System.Exit (ExitCode (..), exitFailure)
import System.IO (hPutStrLn, stderr)
import System.Mem (performMajorGC)
import System.Posix.Process (exitImmediately)
import System.Random (StdGen, mkStdGen, uniformR)

data Options = Options
  { optCalls :: !Int,
    optCallers :: !Int,
    optCancelShare :: !Double,
    optLaterShare :: !Double,
    optFlooders :: !Int,
    optRounds :: !Int,
    optSeed :: !Int,
    optStallSeconds :: !Int,
    optThreadSlack :: !Int,
    optRssSlackKb :: !Int
  }

options :: Parser Options
options =
  Options
    <$> option positive (long "calls" <> value 1000000 <> showDefault <> metavar "N" <> help "calls in total")
    <*> option positive (long "callers" <> value 256 <> showDefault <> metavar "N" <> help "concurrent callers")
    <*> option share (long "cancel-share" <> value 0.25 <> showDefault <> metavar "P" <> help "share of calls that are cancelled (0 to 1)")
    <*> option share (long "later-share" <> value 0.25 <> showDefault <> metavar "P" <> help "share of calls the engine answers later, from four other threads (0 to 1)")
    <*> option auto (long "flooders" <> value 2 <> showDefault <> metavar "N" <> help "threads flooding the engine with casts while the calls run")
    <*> option positive (long "rounds" <> value 10 <> showDefault <> metavar "N" <> help "rounds the calls are split into; threads and RSS are read after each")
    <*> option auto (long "seed" <> value 1 <> showDefault <> metavar "N" <> help "seed of the random choices (timing is not reproducible)")
    <*> option positive (long "stall" <> value 30 <> showDefault <> metavar "SECONDS" <> help "fail when no call completes for this long")
    <*> option auto (long "thread-slack" <> value 2 <> showDefault <> metavar "N" <> help "OS threads the last round may have above the first")
    <*> option auto (long "rss-slack" <> value 16384 <> showDefault <> metavar "KB" <> help "resident kB the last round may have above the first")
  where
    positive = auto >>= \n -> if n > 0 then pure n else readerError "must be positive"
    share = auto >>= \p -> if p >= 0 && p <= 1 then pure p else readerError "must be between 0 and 1"

-- | How a call is made, and so how it may be cancelled.
data Plan
  = -- | 'callRust', never cancelled: it must get its own reply.
    Plain
  | -- | In an 'async' that is 'cancel'led after this many microseconds (0: a yield).
    ViaCancel !Int
  | -- | 'callRustTimeout' with this deadline in microseconds.
    ViaTimeout !Int
  | -- | In a thread that is killed with 'killThread' after this many microseconds.
    ViaKill !Int

-- | What happened to one call.
data Outcome = Completed | CancelledBy !Kind | Crossed | Failed

data Kind = ByCancel | ByTimeout | ByKill

-- | The outcomes of many calls, counted.
data Tally = Tally
  { completed :: !Int,
    -- | Calls chosen for cancellation (some complete before the cancellation lands).
    cancelAttempts :: !Int,
    cancelledByCancel :: !Int,
    cancelledByTimeout :: !Int,
    cancelledByKill :: !Int,
    crossed :: !Int,
    failed :: !Int
  }

instance Semigroup Tally where
  Tally a b c d e f g <> Tally a' b' c' d' e' f' g' = Tally (a + a') (b + b') (c + c') (d + d') (e + e') (f + f') (g + g')

instance Monoid Tally where
  mempty = Tally 0 0 0 0 0 0 0

count :: Outcome -> Tally
count outcome = case outcome of
  Completed -> mempty {completed = 1}
  CancelledBy ByCancel -> mempty {cancelledByCancel = 1}
  CancelledBy ByTimeout -> mempty {cancelledByTimeout = 1}
  CancelledBy ByKill -> mempty {cancelledByKill = 1}
  Crossed -> mempty {crossed = 1}
  Failed -> mempty {failed = 1}

cancelled :: Tally -> Int
cancelled t = cancelledByCancel t + cancelledByTimeout t + cancelledByKill t

-- | Threads and resident memory after a major GC.
data Usage = Usage {usageThreads :: !Int, usageRssKb :: !Int}

usage :: IO Usage
usage = performMajorGC >> (Usage <$> procStatus "Threads" <*> procStatus "VmRSS")

-- | Runs in an unbound thread: @main@ is bound, and waking a bound thread costs an
-- extra OS context switch per call.
main :: IO ()
main = runInUnboundThread $ do
  opts <- execParser (info (options <**> helper) (fullDesc <> progDesc "Soak the rs-in-hs bridge: calls with cancellations and a cast flood; exits 1 on any lost or crossed reply or leak"))
  threadsAtStart <- procStatus "Threads"
  progress <- newIORef 0
  started <- getMonotonicTimeNSec
  _ <- forkIO (stallWatch (optStallSeconds opts) progress >>= stalled)
  (tally, casts, castsHandled, first, final, before, after, events) <- soak opts progress
  finished <- getMonotonicTimeNSec
  let seconds = fromIntegral (finished - started) / 1e9 :: Double
      lost = failed tally
      checks =
        [ ("lost replies (a BridgeError or no reply for a call that was not cancelled)", lost == 0),
          ("crossed replies", crossed tally == 0),
          ("casts lost", castsHandled == fromIntegral casts),
          ("tokens outstanding after deinit", tokensOutstanding after == 0),
          ("deferred reply handles outstanding after deinit", deferredOutstanding after == 0),
          ("deferred reply handles dropped unanswered", callsUnanswered after == callsUnanswered before),
          ("calls accepted = answered", callsAccepted after == callsAnswered after),
          ("reply handles issued = released", handlesIssued after == handlesReleased after),
          ("events emitted = delivered + dropped", eventsEmitted (eventCounters events) == eventsDelivered (eventCounters events) + eventsDropped (eventCounters events)),
          ("events the handlers saw <= delivered", handlersSaw events <= eventsDelivered (eventCounters events)),
          ("events missed <= dropped", handlersMissed events <= eventsDropped (eventCounters events)),
          ("event tokens taken = returned", eventTokensTaken (eventCounters events) == eventTokensReturned (eventCounters events)),
          ("OS threads flat", usageThreads final <= usageThreads first + optThreadSlack opts),
          ("RSS flat", usageRssKb final <= usageRssKb first + optRssSlackKb opts)
        ]
      -- Calls Rust accepted for the callers: all but the final GetCastCount.
      accepted = callsAccepted after - callsAccepted before - 1
  report
    [ ("callers", show (optCallers opts)),
      ("calls", show (optCalls opts)),
      ("completed with their own reply", show (completed tally)),
      ("chosen for cancellation", show (cancelAttempts tally)),
      ("cancelled (the others completed first)", show (cancelled tally)),
      ("  by cancel", show (cancelledByCancel tally)),
      ("  by timeout", show (cancelledByTimeout tally)),
      ("  by killThread", show (cancelledByKill tally)),
      ("  after Rust accepted them (in flight)", show (toInteger accepted - toInteger (completed tally + crossed tally))),
      ("lost", show lost),
      ("crossed", show (crossed tally)),
      ("casts sent / handled", show casts <> " / " <> show castsHandled),
      ("tokens created / freed unsent / woken", show (tokensCreated after - tokensCreated before) <> " / " <> show (tokensFreedUnsent after - tokensFreedUnsent before) <> " / " <> show (callsWoken after - callsWoken before)),
      ("calls dropped unrun: abandoned / expired", show (callsDroppedAbandoned after - callsDroppedAbandoned before) <> " / " <> show (callsDroppedExpired after - callsDroppedExpired before)),
      ("tokens outstanding after deinit", show (tokensOutstanding after)),
      ("answered later: deferred / answers after the caller gave up", show (callsDeferred after - callsDeferred before) <> " / " <> show (answersLate after - answersLate before)),
      ("events emitted / delivered / dropped", show (eventsEmitted (eventCounters events)) <> " / " <> show (eventsDelivered (eventCounters events)) <> " / " <> show (eventsDropped (eventCounters events))),
      ("events seen / missed by the handlers", show (handlersSaw events) <> " / " <> show (handlersMissed events)),
      ("events per wake-up", show (eventsDelivered (eventCounters events) `div` max 1 (eventWakeups (eventCounters events)))),
      ("OS threads at start / first round / last round", show threadsAtStart <> " / " <> show (usageThreads first) <> " / " <> show (usageThreads final)),
      ("RSS kB first round / last round", show (usageRssKb first) <> " / " <> show (usageRssKb final)),
      ("seconds", show (fromIntegral (round (seconds * 10) :: Int) / 10 :: Double))
    ]
  let violations = [name | (name, ok) <- checks, not ok]
  mapM_ (\name -> hPutStrLn stderr ("soak: FAILED: " <> name)) violations
  unless (null violations) exitFailure
  putStrLn "soak: passed"

-- | Reports a stall and ends the process at once: a stuck call could also hold up
-- deinit, so nothing waits for the soak to unwind.
stalled :: Int -> IO ()
stalled done = do
  hPutStrLn stderr ("soak: FAILED: no call completed for a while after " <> show done <> " calls; the calls in flight are lost")
  exitImmediately (ExitFailure 1)

-- | Returns (with the progress seen) once the progress counter has not moved for the
-- given number of seconds; it never returns while the soak is healthy.
stallWatch :: Int -> IORef Int -> IO Int
stallWatch seconds progress = readIORef progress >>= go 0
  where
    go idle seen = do
      threadDelay 1000000
      now <- readIORef progress
      if now /= seen then go 0 now else if idle + 1 >= seconds then pure now else go (idle + 1) seen

-- | The soak proper, inside one bridge. Returns the tally, the casts sent and handled,
-- threads and RSS after the first and the last round, and the counters before the
-- bridge started and after it stopped.
soak :: Options -> IORef Int -> IO (Tally, Int, Word64, Usage, Usage, BridgeStats, BridgeStats, EventsSeen)
soak opts progress = do
  before <- bridgeStats (Proxy :: Proxy Probe)
  (tally, casts, handled, usages, events) <- withRust defaultConfig (withRunInIO (\run -> soakRounds opts run progress))
  after <- bridgeStats (Proxy :: Proxy Probe)
  case usages of
    [] -> throwIO (ErrorCall "no rounds")
    first : _ -> pure (tally, casts, handled, first, last usages, before, after, events)

-- | What the events handlers saw over all rounds, and Rust's counters after them.
data EventsSeen = EventsSeen
  { handlersSaw :: !Word64,
    handlersMissed :: !Word64,
    eventCounters :: !EventStats
  }

-- | The rounds, each in its own events subscription, with the cast flood and the
-- event bursts beside them; then the engine's cast count and the event counters.
soakRounds :: Options -> (forall a. Rust Probe a -> IO a) -> IORef Int -> IO (Tally, Int, Word64, [Usage], EventsSeen)
soakRounds opts run progress = do
  stop <- newIORef False
  flood <- forM [1 .. optFlooders opts] (const (async (castFlood run stop)))
  bursts <- async (tickFlood run stop)
  seen <- newIORef (0, 0)
  roundResults <- forM [0 .. optRounds opts - 1] $ \r -> do
    t <- run (withEvents 256 (countEvent seen (odd r)) (liftIO (runRound opts run progress r)))
    u <- usage
    hPutStrLn stderr ("soak: round " <> show (r + 1) <> "/" <> show (optRounds opts) <> ": " <> show (completed t) <> " completed, " <> show (cancelled t) <> " cancelled; " <> show (usageThreads u) <> " OS threads, " <> show (usageRssKb u) <> " kB RSS")
    pure (t, u)
  writeIORef stop True
  sent <- sum <$> mapM wait flood
  wait bursts
  handledCasts <- run (callRust GetCastCount)
  (saw, missed) <- readIORef seen
  counters <- run eventStats
  pure (foldMap fst roundResults, sent, handledCasts, map snd roundResults, EventsSeen saw missed counters)

-- | Counts a delivery; a slow handler also sleeps a little on each event.
countEvent :: IORef (Word64, Word64) -> Bool -> Delivery e -> IO ()
countEvent seen slow delivery = case delivery of
  Delivered _ -> do
    atomicModifyIORef' seen (\(saw, missed) -> ((saw + 1, missed), ()))
    when slow (threadDelay 20)
  Missed n -> atomicModifyIORef' seen (\(saw, missed) -> ((saw, missed + n), ()))

-- | Makes the engine emit bursts of 200 ticks until told to stop.
tickFlood :: (forall a. Rust Probe a -> IO a) -> IORef Bool -> IO ()
tickFlood run stop = do
  done <- readIORef stop
  unless done (run (callRust (EmitTicks 200)) >> threadDelay 100 >> tickFlood run stop)

-- | One round: its share of the calls, spread over the callers. Caller @c@ of @n@ in
-- round @r@ sends the ids @base + c + 1 + k * n@, so every id in the run is unique.
runRound :: Options -> (forall a. Rust Probe a -> IO a) -> IORef Int -> Int -> IO Tally
runRound opts run progress r = do
  let callers = optCallers opts
      perRound = optCalls opts `div` optRounds opts + (if r < optCalls opts `mod` optRounds opts then 1 else 0)
      base = r * (optCalls opts `div` optRounds opts) + min r (optCalls opts `mod` optRounds opts)
  fmap mconcat . forConcurrently [0 .. callers - 1] $ \c -> do
    let ids = [fromIntegral (base + i + 1) | i <- [c, c + callers .. perRound - 1]]
    caller opts run progress (mkStdGen (optSeed opts * 1000003 + r * 1009 + c)) ids

-- | One caller's calls, one after another, each with a randomly chosen plan.
caller :: Options -> (forall a. Rust Probe a -> IO a) -> IORef Int -> StdGen -> [Word64] -> IO Tally
caller opts run progress = go mempty (0 :: Int)
  where
    go tally _ _ [] = pure tally
    go tally done gen (i : rest) = do
      let (plan, gen1) = choosePlan (optCancelShare opts) gen
          (l, gen') = uniformR (0, 1 :: Double) gen1
      outcome <- callWith run plan (l < optLaterShare opts) i
      let done' = done + 1
      when (done' `mod` 100 == 0) (atomicModifyIORef' progress (\n -> (n + 100, ())))
      let attempt = case plan of Plain -> mempty; _ -> mempty {cancelAttempts = 1}
      go (tally <> attempt <> count outcome) done' gen' rest

choosePlan :: Double -> StdGen -> (Plan, StdGen)
choosePlan share gen0 =
  let (p, gen1) = uniformR (0, 1 :: Double) gen0
      (kind, gen2) = uniformR (0, 2 :: Int) gen1
      (micros, gen3) = uniformR (0, 20 :: Int) gen2
      plan
        | p >= share = Plain
        | kind == 0 = ViaCancel micros
        | kind == 1 = ViaTimeout micros
        | otherwise = ViaKill micros
   in (plan, gen3)

-- | Makes one @Echo i@ call (@EchoLater i@ if answered later) by the given plan and
-- judges the outcome.
callWith :: (forall a. Rust Probe a -> IO a) -> Plan -> Bool -> Word64 -> IO Outcome
callWith run plan later i = case plan of
  Plain -> either bridgeFailure judge <$> try (run echo)
  ViaTimeout micros -> either bridgeFailure (maybe (CancelledBy ByTimeout) judge) <$> try (run (echoWithin micros))
  ViaCancel micros -> do
    call <- async (run echo)
    pause micros
    cancel call
    either (interrupted ByCancel) judge <$> waitCatch call
  ViaKill micros -> do
    done <- newEmptyMVar
    -- forkFinally installs its handler before the action can be interrupted, so
    -- `done` is filled whenever the kill lands.
    thread <- forkFinally (run echo) (putMVar done)
    pause micros
    killThread thread
    either (interrupted ByKill) judge <$> takeMVar done
  where
    echo = if later then callRust (EchoLater i) else callRust (Echo i)
    echoWithin micros = if later then callRustTimeout micros (EchoLater i) else callRustTimeout micros (Echo i)
    judge reply = if reply == i then Completed else Crossed
    bridgeFailure (_ :: BridgeError) = Failed
    interrupted kind e
      | Just (_ :: SomeAsyncException) <- fromException e = CancelledBy kind
      | otherwise = Failed
    pause micros = if micros == 0 then yield else threadDelay micros

-- | Casts until told to stop; returns how many were sent. Stopped by a flag, not by
-- cancellation, so that the count is exact (a cast cancelled inside its blocking
-- foreign call could be queued without being counted).
castFlood :: (forall a. Rust Probe a -> IO a) -> IORef Bool -> IO Int
castFlood run stop = go 0
  where
    go :: Int -> IO Int
    go sent = do
      done <- readIORef stop
      -- The yield gives the callers their turn: without it the flooders keep the
      -- capabilities (a non-blocking cast never deschedules) and starve the calls.
      -- `seq`: the count must not grow a chain of thunks over millions of casts.
      if done then pure sent else run (castRust (Note 0)) >> yield >> let next = sent + 1 in next `seq` go next

report :: [(String, String)] -> IO ()
report rows = mapM_ (\(name, figure) -> putStrLn (pad name <> figure)) rows
  where
    width = 2 + maximum (0 : map (length . fst) rows)
    pad s = s <> replicate (width - length s) ' '
