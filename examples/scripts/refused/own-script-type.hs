-- Refused: a script that defines a type of its own named like the API's script
-- type, so that the entry point's type would name it. GHC finds the name
-- ambiguous, and the script does not compile.
import Script hiding (Script)

type Script = IO

script :: Script ()
script = putStrLn "ran as a plain IO action"
