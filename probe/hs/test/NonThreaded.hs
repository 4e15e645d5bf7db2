-- | A test program linked WITHOUT @-threaded@: 'withRust' must refuse to start with
-- 'NotThreadedRuntime' (Rust wakes Haskell from its own OS thread, which the
-- non-threaded RTS cannot take), and must start nothing in Rust.
module Main (main) where

import Data.Proxy (Proxy (..))
import Probe.Protocol (Ping (..), Probe)
import RustBridge
import Test.Hspec

main :: IO ()
main = hspec $
  describe "a program linked without -threaded" $
    it "is refused by withRust with NotThreadedRuntime, before Rust starts" $ do
      baseline <- bridgeStats (Proxy :: Proxy Probe)
      withRust defaultConfig (callRust Ping)
        `shouldThrow` (== NotThreadedRuntime)
      bridgeStats (Proxy :: Proxy Probe) `shouldReturn` baseline
