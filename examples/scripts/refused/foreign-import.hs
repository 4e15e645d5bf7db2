-- Refused: a foreign import. Scripts are compiled without the foreign function
-- interface (-XNoForeignFunctionInterface), so GHC does not even parse one.
import Script

foreign import ccall "exit" c_exit :: Int -> IO ()

script :: Script ()
script = pure ()
