-- Says one line, then throws.
import Script

script :: Script ()
script = do
  say "about to throw"
  throw (userError "boom")
