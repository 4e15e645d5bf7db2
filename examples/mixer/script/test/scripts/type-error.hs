-- Does not compile: say takes a String.
import Script

script :: Script ()
script = say (42 :: Int)
