-- | Text from a script made safe to print on a terminal. Part of "ScriptHost":
-- every text a worker sends (a line a script says, an exception's text, a load
-- error, which can quote the script) passes through 'printable' before the host
-- hands it to the application.
module ScriptHost.Printable
  ( printable,
  )
where

import Data.Char (isControl, showLitChar)

-- | The text with each control character but newline and tab written as a
-- Haskell escape (@\\ESC@, @\\a@, @\\r@, @\\DEL@, @\\155@), so that printing it
-- cannot move the cursor, set the window title or send the terminal any other
-- command. Newlines and tabs stay: GHC's messages span lines, and neither starts
-- an escape sequence. A backslash stays as it is.
printable :: String -> String
printable = foldr escape ""
  where
    escape c rest
      | c == '\n' || c == '\t' || not (isControl c) = c : rest
      | otherwise = showLitChar c rest
