-- | The mixer package's test suite: its wire format from the Haskell side
-- ("WireSpec").
module Main (main) where

import Test.Hspec (hspec)
import qualified WireSpec

main :: IO ()
main = hspec WireSpec.spec
