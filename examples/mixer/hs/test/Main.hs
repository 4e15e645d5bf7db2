-- | The mixer package's test suite: its wire format from the Haskell side
-- ("WireSpec") and its render thread's events ("AudioSpec").
module Main (main) where

import qualified AudioSpec
import Test.Hspec (hspec)
import qualified WireSpec

main :: IO ()
main = hspec (WireSpec.spec >> AudioSpec.spec)
