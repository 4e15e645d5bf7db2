{-# LANGUAGE TupleSections #-}

-- | The benchmark of rs-in-hs, hosting the mixer engine. With no arguments it runs
-- the seed's shape (100k concurrent callers) and prints the call count, the timing
-- and the peak OS thread count. Other modes measure latency percentiles, throughput,
-- calls answered later and cast floods, each against a floor measured in the same
-- run; latency and throughput measure a plain engine (the minimal example's
-- counter) beside the mixer in the same run. @--help@ lists every option.
module Main (main) where

import Control.Concurrent (getNumCapabilities, runInUnboundThread, setNumCapabilities)
import Control.Monad (forM, forM_, when)
import Data.List (nub)
import Data.Word (Word32)
import Modes
import Options.Applicative
import Plot (plotLatencies)
import Report (printTable, writeCsv)
import RustBridge (Config (..), defaultConfig)
import System.IO (hPutStrLn, stderr)

data Mode = SeedMode | LatencyMode | ThroughputMode | LaterMode | CastMode | FloorMode | AllModes
  deriving (Eq, Show)

data Options = Options
  { optModes :: ![Mode],
    optCalls :: !Int,
    optCallers :: ![Int],
    optCasts :: !Int,
    optConcurrent :: !Int,
    optCapabilities :: !(Maybe Int),
    optSpin :: !Word32,
    optCsv :: !(Maybe FilePath),
    optPlot :: !(Maybe FilePath)
  }

options :: Parser Options
options =
  Options
    <$> many (argument modeReader (metavar "MODE..." <> help "seed (default), latency, throughput, later, cast, floor, or all"))
    <*> option auto (long "calls" <> value 100000 <> showDefault <> metavar "N" <> help "calls for latency, and per caller count for throughput")
    <*> option callersReader (long "callers" <> value [1, 2, 4, 16, 64, 256, 1024] <> showDefaultWith (const "1,2,4,16,64,256,1024") <> metavar "LIST" <> help "comma-separated concurrent caller counts for throughput, each measured on the mixer and on the plain engine")
    <*> option auto (long "casts" <> value 1000000 <> showDefault <> metavar "N" <> help "casts in the cast flood")
    <*> option auto (long "concurrent" <> value 100000 <> showDefault <> metavar "N" <> help "concurrent asyncRust callers in the seed mode")
    <*> optional (option auto (long "capabilities" <> short 'N' <> metavar "N" <> help "RTS capabilities (like +RTS -N); default: the RTS's"))
    <*> option auto (long "spin" <> value (spinMicros defaultConfig) <> showDefault <> metavar "MICROS" <> help "the spin window (Config's spinMicros) for latency's spin-on run and for throughput; 0 turns spinning off")
    <*> optional (strOption (long "csv" <> metavar "FILE" <> help "also write every figure as CSV to FILE"))
    <*> optional (strOption (long "plot" <> metavar "FILE.png" <> help "draw the latency histograms of this run to FILE.png: the mixer's and the plain engine's, side by side, each panel with both floors"))

modeReader :: ReadM Mode
modeReader = eitherReader $ \name -> case name of
  "seed" -> Right SeedMode
  "latency" -> Right LatencyMode
  "throughput" -> Right ThroughputMode
  "later" -> Right LaterMode
  "cast" -> Right CastMode
  "floor" -> Right FloorMode
  "all" -> Right AllModes
  _ -> Left ("unknown mode " <> name)

callersReader :: ReadM [Int]
callersReader = eitherReader $ \text -> case reads ("[" <> text <> "]") of
  [(counts, "")] | not (null counts), all (> 0) counts -> Right counts
  _ -> Left "expected a comma-separated list of positive numbers, e.g. 1,16,64,256"

-- | The work runs in an unbound thread: @main@ is a bound thread, and waking a bound
-- thread costs an extra OS context switch per call (the RTS must hand the capability
-- to that thread's own OS thread).
main :: IO ()
main = runInUnboundThread $ do
  opts <- execParser (info (options <**> helper) (fullDesc <> progDesc "Benchmark the rs-in-hs bridge, hosting the mixer engine, against a floor measured in the same run"))
  mapM_ setNumCapabilities (optCapabilities opts)
  caps <- getNumCapabilities
  let modes = expand (optModes opts)
      config = defaultConfig {spinMicros = optSpin opts}
  hPutStrLn stderr ("mixer-bench: modes " <> show modes <> ", " <> show caps <> " capabilities")
  base <- if any (`elem` [FloorMode, LatencyMode, ThroughputMode, LaterMode]) modes then Just <$> measureFloor 100000 else pure Nothing
  results <- forM modes $ \m -> case (m, base) of
    (FloorMode, Just b) -> pure (floorRows b, [])
    (LatencyMode, Just b) -> latency config b (optCalls opts)
    (ThroughputMode, Just b) -> rowsOnly (throughput config b (optCalls opts) (optCallers opts))
    (LaterMode, Just b) -> later config b (optCalls opts)
    (CastMode, _) -> rowsOnly (castFlood (optCasts opts))
    (SeedMode, _) -> rowsOnly (seed (optConcurrent opts))
    _ -> pure ([], [])
  let rows = concatMap fst results
      latencies = concatMap snd results
  printTable rows
  mapM_ (`writeCsv` rows) (optCsv opts)
  forM_ (optPlot opts) $ \path ->
    if null latencies
      then hPutStrLn stderr "mixer-bench: --plot needs the latency mode"
      else plotLatencies path (maybe [] floorSamples base) [(engineTitle engine, [series | (measured, series) <- latencies, measured == engine]) | engine <- [minBound .. maxBound]]
  when (null rows) (hPutStrLn stderr "mixer-bench: nothing measured")
  where
    rowsOnly = fmap (,[])
    expand [] = [SeedMode]
    expand ms
      | AllModes `elem` ms = [FloorMode, LatencyMode, ThroughputMode, LaterMode, CastMode, SeedMode]
      | otherwise = nub ms
