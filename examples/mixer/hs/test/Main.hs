-- | The mixer package's test suite: its wire format from the Haskell side
-- ("WireSpec"), its render thread's events ("AudioSpec"), the demo ("DemoSpec") and
-- its calls answered later ("LaterSpec").
module Main (main) where

import qualified AudioSpec
import qualified DemoSpec
import qualified LaterSpec
import Test.Hspec (hspec)
import qualified WireSpec

main :: IO ()
main = hspec (WireSpec.spec >> AudioSpec.spec >> DemoSpec.spec >> LaterSpec.spec)
