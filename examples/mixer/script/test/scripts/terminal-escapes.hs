-- Says a line that would set the terminal's title (OSC 0, ended by BEL), then
-- throws an exception whose text would clear the screen and return the cursor.
import Script

script :: Script ()
script = do
  say "\ESC]0;x\a"
  throw (userError "\ESC[2J\r")
