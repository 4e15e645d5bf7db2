-- Refused: switching the foreign function interface back on. The pragma is checked
-- against the allow-list before GHC reads the file.
{-# LANGUAGE ForeignFunctionInterface #-}

import Script

foreign import ccall "exit" c_exit :: Int -> IO ()

script :: Script ()
script = pure ()
