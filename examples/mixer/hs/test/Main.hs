-- | The mixer package's test suite: its wire format from the Haskell side
-- ("WireSpec"), its render thread's events ("AudioSpec") and the demo ("DemoSpec").
module Main (main) where

import qualified AudioSpec
import qualified DemoSpec
import Test.Hspec (hspec)
import qualified WireSpec

main :: IO ()
main = hspec (WireSpec.spec >> AudioSpec.spec >> DemoSpec.spec)
