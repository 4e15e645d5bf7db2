-- | The benchmark's @--plot@: the latency distributions of one run, one panel per
-- engine side by side (the mixer, the plain engine), as histograms over log-spaced
-- bins on a log axis (Chart, Cairo backend), so that a bimodal tail shows at a
-- glance and the two engines compare at a glance.
module Plot
  ( plotLatencies,
  )
where

import Control.Monad (void)
import qualified Data.Vector.Unboxed as VU
import Data.Word (Word64)
import Graphics.Rendering.Chart.Backend.Cairo (FileFormat (PNG), FileOptions (..), renderableToFile)
import Graphics.Rendering.Chart.Easy
import Graphics.Rendering.Chart.Grid (besideN, gridToRenderable)
import Text.Printf (printf)

-- | Draws one panel per engine, side by side, to a PNG file. Each panel holds the
-- reference series (the floors) first and then its engine's series, each as a
-- histogram (the share of its samples in each bin) drawn as a step line. The bins
-- are equally wide on a log scale and the same in every panel, and so is the
-- share axis, so the panels compare directly; series in the same place of two
-- panels get the same colour. Panels with no samples are left out.
plotLatencies ::
  -- | The file to write.
  FilePath ->
  -- | The reference series, drawn in every panel.
  [(String, VU.Vector Word64)] ->
  -- | Each panel's title and series.
  [(String, [(String, VU.Vector Word64)])] ->
  IO ()
plotLatencies path references panels =
  void . renderableToFile (FileOptions (900 * max 1 (length drawn), 700) PNG) path . gridToRenderable . besideN $
    map (layoutToGrid . execEC . panel) drawn
  where
    nonEmpty = filter (not . VU.null . snd)
    drawn = [(title, nonEmpty (references <> series)) | (title, series) <- panels, not (null (nonEmpty series))]
    everySeries = concatMap snd drawn
    bins = 80 :: Int
    lo = fromIntegral (max 1 (minimum (map (VU.minimum . snd) everySeries))) :: Double
    hi = fromIntegral (maximum (map (VU.maximum . snd) everySeries)) * 1.0001 :: Double
    step = (log hi - log lo) / fromIntegral bins
    binOf ns = min (bins - 1) (max 0 (floor ((log (max 1 (fromIntegral ns)) - log lo) / step)))
    edge i = exp (log lo + step * fromIntegral i) / 1000
    shares samples =
      let counts = VU.accumulate (+) (VU.replicate bins (0 :: Int)) (VU.map (\ns -> (binOf ns, 1)) samples)
       in map (\c -> fromIntegral c / fromIntegral (VU.length samples)) (VU.toList counts) :: [Double]
    topShare = maximum (0.01 : concatMap (shares . snd) everySeries) * 1.05
    histogram samples = concat [[(LogValue (edge i), share), (LogValue (edge (i + 1)), share)] | (i, share) <- zip [0 :: Int ..] (shares samples)]
    panel (title, series) = do
      layout_title .= title <> ": round-trip latency, one run (log axis)"
      layout_x_axis . laxis_title .= "round trip (µs)"
      layout_x_axis . laxis_generate .= autoScaledLogAxis (LogAxisParams (map (\(LogValue v) -> printf "%g" v)))
      layout_y_axis . laxis_title .= "share of samples per bin"
      layout_y_axis . laxis_generate .= scaledAxis def (0, topShare)
      mapM_ (\(name, samples) -> plot (line name [histogram samples])) series
