{-# LANGUAGE RankNTypes #-}
{-# LANGUAGE ScopedTypeVariables #-}
{-# LANGUAGE Trustworthy #-}
{-# LANGUAGE TypeFamilies #-}

-- | The API of mixer scripts: the one module a script imports besides @base@.
-- Scripts are run by the script host (@rs-in-hs-script FILE@) and compiled as Safe
-- Haskell; this module is @Trustworthy@ because it wraps the bridge.
--
-- What a script can do, and nothing else:
--
-- * send the mixer's calls ('call') and casts ('cast') to the one engine the host
--   runs: every message of the protocol but 'StartAudio' (the audio device is the
--   host's), each listed in 'ScriptCall' or 'ScriptCast', whose instances are
--   the API's own (an instance a script writes does not compile);
-- * record the output to a WAV file ('Record'), or import one into a channel
--   ('ImportWav'), whose name is a plain file name inside the recordings folder the
--   host chose (@--recordings DIR@); any other name, or no folder, is refused with
--   'NotAllowed' before the engine sees it;
-- * wait for the render clock to reach a frame ('AwaitFrame');
-- * start threads scoped to the script ('withAsync', 'concurrently', 'race', ...),
--   each ending with the scope that started it;
-- * wait ('delay') and print lines ('say');
-- * throw and catch its own exceptions ('throw', 'catch', 'try'), which never
--   catch an asynchronous exception, whatever instance the script writes.
--
-- What a script cannot do: run an 'IO' action of its own (there is no
-- @MonadIO@), read or write any other file, reach the network, start a process,
-- start a second bridge, use the foreign function interface or any package but
-- @base@ and this one, or outlive its cancellation. The host bounds what is left
-- (its threat model is in @script-host/README.md@). A script defines the entry point
-- @script@:
--
-- > import Script
-- >
-- > script :: Script ()
-- > script = do
-- >   Pong <- call Ping
-- >   say "the engine answered"
module Script
  ( -- * Scripts
    Script,

    -- * The mixer
    call,
    cast,
    ScriptCall,
    ScriptCast,
    NotAllowed (..),
    Reply,
    wireText,
    bytes,
    module Mixer.Protocol,
    WireText,
    ByteString,

    -- * Scoped concurrency
    Async,
    withAsync,
    wait,
    cancel,
    concurrently,
    concurrently_,
    race,
    mapConcurrently,
    forConcurrently_,
    replicateConcurrently_,

    -- * Time and output
    delay,
    say,

    -- * Exceptions
    throw,
    catch,
    try,
  )
where

import Control.Concurrent (threadDelay)
import Control.Concurrent.Async (Async)
import qualified Control.Concurrent.Async as Async
import Control.Exception (Exception, SomeAsyncException, SomeException, fromException, throwIO)
import qualified Control.Exception as Exception
import Control.Monad.Trans.Reader (ask, asks)
import Data.ByteString (ByteString)
import qualified Data.ByteString as ByteString
import Data.Proxy (Proxy (..))
import qualified Data.Text as Text
import Data.Word (Word8)
import Mixer.Protocol
import RustBridge (Call (..), WireText (..))
import RustBridge.Internal (decodeReply, encodeCall, encodeCast)
import Script.Monad (Context (..), Script (..), liftScript, withRunInScript)
import Script.Policy (NotAllowed (..), ScriptCall (..), ScriptCast)
import ScriptHost.Worker (Link (..))

-- | Sends a request to the engine and waits for its reply, whose type follows from
-- the request. Throws 'NotAllowed' if the host refuses the request (nothing is
-- sent then), and what 'RustBridge.callRust' throws (a 'RustBridge.BridgeError').
call :: forall req. ScriptCall req => req -> Script (Reply req)
call request =
  Script ask >>= \context -> liftScript $ do
    admitted <- admit (recordings context) request
    reply <- linkCall (link context) (encodeCall admitted)
    either throwIO pure (decodeReply (Proxy :: Proxy req) reply)

-- | Sends a message to the engine without waiting for an answer; returns once it is
-- queued. Messages from one thread reach the engine in order. Throws what
-- 'RustBridge.castRust' throws.
cast :: ScriptCast msg => msg -> Script ()
cast message = Script ask >>= \context -> liftScript (linkCast (link context) (encodeCast message))

-- | Text for the protocol's 'WireText' fields (preset names, for example).
wireText :: String -> WireText
wireText = WireText . Text.pack

-- | Bytes for the protocol's 'ByteString' fields (the samples of 'WriteSamples').
bytes :: [Word8] -> ByteString
bytes = ByteString.pack

-- | Runs an action on a new thread for the duration of the inner action, then
-- cancels it and waits for it to end ('Control.Concurrent.Async.withAsync').
withAsync :: Script a -> (Async a -> Script b) -> Script b
withAsync child inner = withRunInScript $ \run -> Async.withAsync (run child) (run . inner)

-- | Waits for the thread's result; rethrows its exception
-- ('Control.Concurrent.Async.wait').
wait :: Async a -> Script a
wait = liftScript . Async.wait

-- | Cancels the thread and waits for it to end ('Control.Concurrent.Async.cancel').
cancel :: Async a -> Script ()
cancel = liftScript . Async.cancel

-- | Runs both at once and returns both results; if one throws, the other is
-- cancelled and the exception rethrown.
concurrently :: Script a -> Script b -> Script (a, b)
concurrently left right = withRunInScript $ \run -> Async.concurrently (run left) (run right)

-- | 'concurrently', without the results.
concurrently_ :: Script a -> Script b -> Script ()
concurrently_ left right = withRunInScript $ \run -> Async.concurrently_ (run left) (run right)

-- | Runs both at once; the first to finish wins and the other is cancelled.
race :: Script a -> Script b -> Script (Either a b)
race left right = withRunInScript $ \run -> Async.race (run left) (run right)

-- | Runs the action for each element at once, and returns the results in order.
mapConcurrently :: (a -> Script b) -> [a] -> Script [b]
mapConcurrently action items = withRunInScript $ \run -> Async.mapConcurrently (run . action) items

-- | Runs the action for each element at once, and waits for all of them.
forConcurrently_ :: [a] -> (a -> Script b) -> Script ()
forConcurrently_ items action = withRunInScript $ \run -> Async.forConcurrently_ items (run . action)

-- | Runs the action the given number of times at once, and waits for all of them.
replicateConcurrently_ :: Int -> Script a -> Script ()
replicateConcurrently_ count action = withRunInScript $ \run -> Async.replicateConcurrently_ count (run action)

-- | Waits the given number of milliseconds (at least; negative waits none).
delay :: Int -> Script ()
delay millis = liftScript (threadDelay (max 0 (min millis (maxBound `div` 1000)) * 1000))

-- | Prints one line, whole even when several threads print at once.
say :: String -> Script ()
say line = Script (asks link) >>= \to -> liftScript (linkSay to line)

-- | Throws the exception in the script.
throw :: Exception e => e -> Script a
throw = liftScript . throwIO

-- | Runs the action and, if it throws a synchronous exception of type @e@, the
-- handler. An asynchronous exception (the script's cancellation, for example) is
-- never handled: it propagates, as with unliftio's @catch@. The handler runs with
-- asynchronous exceptions unmasked.
catch :: Exception e => Script a -> (e -> Script a) -> Script a
catch action handler = try action >>= either handler pure

-- | Runs the action and returns its synchronous exception of type @e@, if it threw
-- one; an asynchronous exception propagates, as with unliftio's @try@. Whether an
-- exception is asynchronous is decided by @base@ before the script's own
-- 'fromException' sees it, so no instance a script writes can catch one.
try :: forall e a. Exception e => Script a -> Script (Either e a)
try action = withRunInScript $ \run -> do
  result <- Exception.try (run action)
  case result of
    Right value -> pure (Right value)
    Left (problem :: SomeException)
      | Just (_ :: SomeAsyncException) <- fromException problem -> throwIO problem
      | Just mine <- fromException problem -> pure (Left mine)
      | otherwise -> throwIO problem
