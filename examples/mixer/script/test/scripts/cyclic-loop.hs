-- Compares a cyclic list with itself: a loop in base's compiled code that never
-- allocates, so it has no yield point and no exception can reach it.
import Script

cyclic :: [Int]
cyclic = 1 : cyclic

script :: Script ()
script = do
  say "running"
  say (show (cyclic == cyclic))
