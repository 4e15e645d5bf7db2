-- A small script whose types grow exponentially: compiling it takes far longer
-- than any load bound.
import Script

script :: Script ()
script = say (show (length (show (f5 ()))))
  where
    f0 x = (x, x)
    f1 = f0 . f0 . f0 . f0
    f2 = f1 . f1 . f1 . f1
    f3 = f2 . f2 . f2 . f2
    f4 = f3 . f3 . f3 . f3
    f5 = f4 . f4 . f4 . f4
