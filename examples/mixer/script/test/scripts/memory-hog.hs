-- Holds a list of a hundred million numbers (gigabytes) while it walks it twice.
import Script

script :: Script ()
script = do
  say "running"
  let numbers = [1 .. 100000000 :: Int]
  say (show (sum numbers + length numbers))
