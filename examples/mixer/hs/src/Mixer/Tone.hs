-- | The test tone the audio programs feed the mixer: one period of a sine as the
-- 16-bit little-endian samples 'WriteSamples' takes (the channel plays them in a
-- loop).
module Mixer.Tone
  ( sine,
  )
where

import Data.Bits (shiftR)
import qualified Data.ByteString as B
import Data.Int (Int16)
import Data.Word (Word16)

-- | One period of this many samples of a sine of this amplitude (1 is full scale).
sine :: Int -> Double -> B.ByteString
sine period amplitude = B.pack (concatMap (littleEndian . sample) [0 .. period - 1])
  where
    sample :: Int -> Int16
    sample i = round (amplitude * 32767 * sin (2 * pi * fromIntegral i / fromIntegral period))
    littleEndian s = let w = fromIntegral s :: Word16 in [fromIntegral w, fromIntegral (w `shiftR` 8)]
