-- Answers a ping and ends.
import Script

script :: Script ()
script = do
  Pong <- call Ping
  say "pinged"
