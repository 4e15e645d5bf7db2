-- Refused: a script that names its own module like the API's, so that "Script"
-- would stand for its own type (here IO) and its entry point for a plain IO
-- action. A script is the module Main.
module Script where

type Script = IO

script :: Script ()
script = putStrLn "ran as a plain IO action"
