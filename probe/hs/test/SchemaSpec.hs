{-# LANGUAGE DeriveAnyClass #-}
{-# LANGUAGE DeriveGeneric #-}

-- | The schema fingerprint: 'withRust' refuses, at init, a Haskell side whose wire
-- types differ from Rust's, and says which fingerprints differ and what to do.
module SchemaSpec (spec) where

import Control.Exception (displayException, try)
import Control.Monad.IO.Class (liftIO)
import Data.ByteString (ByteString)
import Data.IORef (newIORef, readIORef, writeIORef)
import Data.Int (Int16, Int32, Int64, Int8)
import Data.Proxy (Proxy (..))
import qualified Data.Text as T
import Data.Word (Word32, Word64)
import GHC.Generics (Generic)
import RustBridge hiding (MessageBody (..))
import qualified RustBridge as Real
import RustBridge.Internal (WireSchema, rustSchemaFingerprint, schemaFingerprint, schemaOf, withRustSchema)
import Support
import Test.Hspec

-- | A copy of 'Real.MessageBody' with 'Ping' and 'Pong' swapped: the bug the
-- fingerprint exists to catch (the same shapes, other tags). Only its schema is
-- used, so its constructors are never built.
data MessageBody
  = Pong
  | Ping
  | Echo !Word64
  | GetCastCount
  | CastCount !Word64
  | Sleep !Word32
  | InjectPanic
  | Unsupported
  | SetGain !ChannelId !Float
  | SetMute !ChannelId !Bool
  | SetPan !ChannelId !Int8
  | SetDelay !ChannelId !Int32
  | SetLabel !ChannelId !String !Char
  | GetChannel !ChannelId
  | Channel !(Maybe ChannelInfo)
  | WriteSamples !ChannelId !ByteString
  | SamplesWritten !Word32 !Int16
  | QueryMeters
  | Meters ![MeterReading]
  | LoadPreset !WireText
  | SavePreset !WireText
  | Preset !PresetOutcome
  | Automate !Automation
  | Automated !ChannelId !Word32 !Word64
  | Seek !Int64
  | Position !Int64
  | Loopback !LoopbackFrame
  deriving (Generic, WireSchema)

swapped :: Proxy MessageBody
swapped = Proxy

real :: Proxy Real.MessageBody
real = Proxy

spec :: Spec
spec = do
  it "derives the schema from the types: the swapped copy differs only in that order" $ do
    schemaOf swapped `shouldNotBe` schemaOf real
    T.replace (T.pack "Pong {} | Ping {}") (T.pack "Ping {} | Pong {}") (schemaOf swapped)
      `shouldBe` schemaOf real

  it "Haskell's fingerprint of the real protocol is Rust's" $
    rustSchemaFingerprint `shouldReturn` schemaFingerprint real

  it "refuses a mismatched schema at withRust, before the body runs, naming both fingerprints" $ do
    ran <- newIORef False
    outcome <- within 10 (try (withRustSchema swapped defaultConfig (liftIO (writeIORef ran True))))
    rust <- rustSchemaFingerprint
    outcome `shouldBe` Left (SchemaMismatch (schemaFingerprint swapped) rust)
    readIORef ran `shouldReturn` False
    let message = either displayException (const "") outcome
    message `shouldContain` fingerprintHex (schemaFingerprint swapped)
    message `shouldContain` fingerprintHex rust
    message `shouldContain` "Rebuild both from the same revision"
    -- Nothing was started, so the real protocol starts as usual afterwards.
    withBridge defaultConfig (callRust Real.Ping) `shouldReturn` Real.Pong
