-- | The benchmark's @--plot@: the latency distributions of one run side by side, as
-- histograms over log-spaced bins on a log axis (Chart, Cairo backend), so that a
-- bimodal tail shows at a glance.
module Plot
  ( plotLatencies,
  )
where

import qualified Data.Vector.Unboxed as VU
import Data.Word (Word64)
import Graphics.Rendering.Chart.Backend.Cairo (FileFormat (PNG), FileOptions (..), toFile)
import Graphics.Rendering.Chart.Easy
import Text.Printf (printf)

-- | Draws each series' histogram (the share of its samples in each bin, bins
-- equally wide on a log scale across all series) as a step line, to a PNG file.
plotLatencies :: FilePath -> [(String, VU.Vector Word64)] -> IO ()
plotLatencies path series = toFile (FileOptions (1200, 700) PNG) path $ do
  layout_title .= "Round-trip latency, one run (log axis)"
  layout_x_axis . laxis_title .= "round trip (µs)"
  layout_x_axis . laxis_generate .= autoScaledLogAxis (LogAxisParams (map (\(LogValue v) -> printf "%g" v)))
  layout_y_axis . laxis_title .= "share of samples per bin"
  mapM_ (\(name, samples) -> plot (line name [histogram samples])) nonEmpty
  where
    nonEmpty = filter (not . VU.null . snd) series
    bins = 80 :: Int
    lo = fromIntegral (max 1 (minimum (map (VU.minimum . snd) nonEmpty))) :: Double
    hi = fromIntegral (maximum (map (VU.maximum . snd) nonEmpty)) * 1.0001 :: Double
    step = (log hi - log lo) / fromIntegral bins
    binOf ns = min (bins - 1) (max 0 (floor ((log (max 1 (fromIntegral ns)) - log lo) / step)))
    edge i = exp (log lo + step * fromIntegral i) / 1000
    histogram samples =
      let counts = VU.accumulate (+) (VU.replicate bins (0 :: Int)) (VU.map (\ns -> (binOf ns, 1)) samples)
          share c = fromIntegral c / fromIntegral (VU.length samples) :: Double
       in concat [[(LogValue (edge i), share c), (LogValue (edge (i + 1)), share c)] | (i, c) <- zip [0 :: Int ..] (VU.toList counts)]
