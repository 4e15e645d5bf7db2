-- | The smallest host: starts the counter engine, adds twice, and prints the total.
module Main (main) where

import Control.Monad.IO.Class (liftIO)
import Counter.Protocol
import RustBridge

main :: IO ()
main = withRust defaultConfig $ do
  _ <- callRust (Add 2)
  total <- callRust (Add 40)
  castRust Reset
  liftIO (putStrLn ("total: " <> show total))
