-- | Start-up parameters: 'withRustStarting' hands the start-up message to the
-- engine's constructor (the starter, the probe library's second engine), and a
-- panic in the constructor or the drop reaches the caller of 'withRustStarting' as
-- 'EnginePanicked', with the bridge stopped and able to start again.
module StartSpec (spec) where

import Control.Exception (try)
import Control.Monad.IO.Class (liftIO)
import Data.IORef (newIORef, readIORef, writeIORef)
import Data.List (isInfixOf)
import Data.Proxy (Proxy (..))
import Data.Word (Word64)
import Probe.Starter
import RustBridge
import RustBridge.Internal (rustSchemaFingerprint)
import RustBridge.Protocol (protocolFingerprint)
import Support (within)
import Test.Hspec

settings :: Word64 -> Bool -> Bool -> StarterSettings
settings seed onStart onDrop =
  StarterSettings {starterSettingsSeed = seed, starterSettingsPanicOnStart = onStart, starterSettingsPanicOnDrop = onDrop}

starter :: Proxy Starter
starter = Proxy

-- | 'withRustStarting' on the starter, bounded.
withStarter :: StarterSettings -> Rust Starter a -> IO a
withStarter start body = within 30 (withRustStarting defaultConfig start body)

-- | Whether the exception is 'EnginePanicked' with a text that mentions this.
panickedWith :: String -> Either BridgeError a -> Bool
panickedWith what (Left (EnginePanicked why)) = what `isInfixOf` why
panickedWith _ _ = False

spec :: Spec
spec = do
  it "hands the start-up message to the engine's constructor, a new one at each start" $ do
    withStarter (settings 7 False False) (callRust GetSettings) `shouldReturn` settings 7 False False
    withStarter (settings 8 False False) (callRust GetSettings) `shouldReturn` settings 8 False False

  it "fingerprints the start-up message's type with the protocol" $
    rustSchemaFingerprint starter `shouldReturn` protocolFingerprint starter

  it "reports a panicking constructor to the caller, runs nothing, and starts again afterwards" $ do
    ran <- newIORef False
    outcome <- try (withStarter (settings 1 True False) (liftIO (writeIORef ran True)))
    outcome `shouldSatisfy` panickedWith "started"
    readIORef ran `shouldReturn` False
    withStarter (settings 2 False False) (starterSettingsSeed <$> callRust GetSettings) `shouldReturn` 2

  it "reports a panicking drop to the caller once the bridge has stopped, and starts again afterwards" $ do
    outcome <- try (withStarter (settings 3 False True) (callRust GetSettings))
    outcome `shouldSatisfy` panickedWith "stopped"
    withStarter (settings 4 False False) (starterSettingsSeed <$> callRust GetSettings) `shouldReturn` 4
    stats <- bridgeStats starter
    callsAnswered stats `shouldBe` callsAccepted stats
    handlesReleased stats `shouldBe` handlesIssued stats
