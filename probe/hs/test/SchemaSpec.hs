{-# LANGUAGE DataKinds #-}
{-# LANGUAGE FlexibleContexts #-}
{-# LANGUAGE TypeFamilies #-}
{-# LANGUAGE TypeOperators #-}
{-# LANGUAGE UndecidableInstances #-}

-- | The schema fingerprint: 'withRust' refuses, at init, a Haskell side whose
-- protocol differs from Rust's, and says which fingerprints differ and what to do.
module SchemaSpec (spec) where

import Control.Exception (displayException, try)
import Control.Monad.IO.Class (liftIO)
import Data.IORef (newIORef, readIORef, writeIORef)
import Data.Kind (Type)
import Data.Proxy (Proxy (..))
import qualified Data.Text as T
import Probe.Protocol
import RustBridge
import RustBridge.Internal (rustSchemaFingerprint, withRustSchema)
import RustBridge.Protocol (CallList, EventList, Protocol (..), protocolFingerprint, protocolSchema)
import Support
import Test.Hspec

-- | The probe protocol with its calls and its events in the given orders. Only its
-- schema is used.
data Reordered (calls :: [Type]) (events :: [Type])

instance (CallList calls, EventList (Reordered calls events) events) => Protocol (Reordered calls events) where
  type Calls (Reordered calls events) = calls
  type Casts (Reordered calls events) = Casts Probe
  type Events (Reordered calls events) = events
  type ProtocolEvent (Reordered calls events) = ProbeEvent

-- | A list with its first two elements swapped.
type family SwapFirstTwo (xs :: [Type]) :: [Type] where
  SwapFirstTwo (a ': b ': rest) = b ': a ': rest

-- | The probe protocol with its first two calls swapped: the bug the fingerprint
-- exists to catch (the same types, other tags).
type Swapped = Reordered (SwapFirstTwo (Calls Probe)) (Events Probe)

-- | The probe protocol with its two events swapped: the same types, other tags.
type EventsSwapped = Reordered (Calls Probe) (SwapFirstTwo (Events Probe))

swapped :: Proxy Swapped
swapped = Proxy

probe :: Proxy Probe
probe = Proxy

spec :: Spec
spec = do
  it "derives the schema from the call list: the swapped protocol differs only in that order" $ do
    protocolSchema swapped `shouldNotBe` protocolSchema probe
    T.replace (T.pack "calls: Echo -> U64, Ping -> Pong,") (T.pack "calls: Ping -> Pong, Echo -> U64,") (protocolSchema swapped)
      `shouldBe` protocolSchema probe

  it "derives the schema from the event list too: swapped events differ only in that order" $ do
    let eventsSwapped = Proxy :: Proxy EventsSwapped
    protocolSchema eventsSwapped `shouldNotBe` protocolSchema probe
    T.replace (T.pack "events: BurstDone, Tick") (T.pack "events: Tick, BurstDone") (protocolSchema eventsSwapped)
      `shouldBe` protocolSchema probe

  it "Haskell's fingerprint of the probe protocol is Rust's" $
    rustSchemaFingerprint probe `shouldReturn` protocolFingerprint probe

  it "refuses a mismatched schema at withRust, before the body runs, naming both fingerprints and the fix" $ do
    ran <- newIORef False
    outcome <- within 10 (try (withRustSchema (protocolFingerprint swapped) defaultConfig () (liftIO (writeIORef ran True) :: Rust Probe ())))
    rust <- rustSchemaFingerprint probe
    outcome `shouldBe` Left (SchemaMismatch (protocolFingerprint swapped) rust)
    readIORef ran `shouldReturn` False
    let message = either displayException (const "") outcome
    message `shouldContain` fingerprintHex (protocolFingerprint swapped)
    message `shouldContain` fingerprintHex rust
    message `shouldContain` "just gen"
    message `shouldContain` "rebuild both sides from the same revision"
    -- Nothing was started, so the real protocol starts as usual afterwards.
    withBridge defaultConfig ping `shouldReturn` Pong
