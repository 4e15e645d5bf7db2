-- | The hspec suite: one spec module per concern, all run by @just test@.
module Main (main) where

import qualified BadInputSpec
import qualified BridgeSpec
import qualified FaultSpec
import Test.Hspec

main :: IO ()
main =
  hspec $
    do
      describe "bridge" BridgeSpec.spec
      describe "faults" FaultSpec.spec
      describe "bad input (QuickCheck)" BadInputSpec.spec
