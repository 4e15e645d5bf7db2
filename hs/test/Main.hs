-- | The hspec suite: one spec module per concern, all run by @just test@.
module Main (main) where

import qualified BridgeSpec
import Test.Hspec

main :: IO ()
main =
  hspec $
    describe "bridge" BridgeSpec.spec
