{-# LANGUAGE DeriveGeneric #-}

-- | The benchmark's results: one 'Row' per figure, printed as a table and optionally
-- written as CSV.
module Report
  ( Row (..),
    row,
    printTable,
    writeCsv,
  )
where

import qualified Data.ByteString.Lazy as BL
import Data.Csv (DefaultOrdered, ToNamedRecord, encodeDefaultOrderedByName)
import GHC.Generics (Generic)
import Text.Printf (printf)

-- | One figure: which mode, what was measured, its value and unit, and its ratio to
-- the floor where that means something ('ratioTo' names which floor figure).
data Row = Row
  { -- | The mode that measured it (@floor@, @latency@, ...).
    mode :: !String,
    -- | What was measured.
    metric :: !String,
    -- | The figure.
    value :: !Double,
    -- | Its unit (@ns@, @calls/s@, @kB@, ...).
    unit :: !String,
    -- | The figure divided by the floor figure named by 'ratioTo', if any.
    ratio :: !(Maybe Double),
    -- | Which floor figure 'ratio' is relative to; empty without a ratio.
    ratioTo :: !String
  }
  deriving (Generic)

instance ToNamedRecord Row

instance DefaultOrdered Row

-- | A row without a ratio.
row :: String -> String -> Double -> String -> Row
row m name v u = Row m name v u Nothing ""

-- | Prints the rows as an aligned table on stdout; the metric column is as wide as
-- the longest metric (at least 34 characters).
printTable :: [Row] -> IO ()
printTable rows = do
  printf "%-12s %-*s %14s %-8s %s\n" "mode" width "metric" "value" "unit" "ratio"
  mapM_ line rows
  where
    width = maximum (34 : map (length . metric) rows)
    line r =
      printf "%-12s %-*s %14.1f %-8s %s\n" (mode r) width (metric r) (value r) (unit r) (showRatio r)
    showRatio r = maybe "" (\x -> printf "%.2fx %s" x (ratioTo r)) (ratio r) :: String

-- | Writes the rows as CSV with a header line.
writeCsv :: FilePath -> [Row] -> IO ()
writeCsv path = BL.writeFile path . encodeDefaultOrderedByName
