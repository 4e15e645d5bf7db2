-- | The constants both sides share, checked against the fixtures Rust writes
-- (@probe/rs/tests/status_codes.rs@). Statuses: every line of
-- @bridge/fixtures/status.txt@ names the Haskell 'Status' constructor its code maps
-- to, the two tables are the same both ways, and each code becomes the expected
-- 'BridgeError' through the one mapping ('statusError'). The other constants: every
-- line of @bridge/fixtures/abi.txt@ (counter layouts, events limits and record
-- layout, fingerprint length) equals Haskell's value, and Haskell has none the file
-- lacks.
--
-- The files are read from @RS_IN_HS_STATUS_CODES@ and @RS_IN_HS_ABI_CONSTANTS@ if
-- set (the Nix check sets them), else from @../../bridge/fixtures/@ (cabal runs the
-- suite in @probe/hs@).
module StatusSpec (spec) where

import qualified Data.ByteString as B
import Data.List (sort)
import Data.Maybe (fromMaybe)
import Foreign.C.Types (CInt)
import RustBridge
import RustBridge.Internal
  ( Fingerprint (..),
    Status,
    StatusContext (..),
    bridgeCounterNames,
    eventCounterNames,
    eventRecordAlign,
    eventRecordHeaderLen,
    eventRecordLenAt,
    eventRecordMissedAt,
    fingerprintLen,
    statusContext,
    statusError,
    statusFromCode,
  )
import System.Environment (lookupEnv)
import Test.Hspec
import Text.Read (readMaybe)

-- | What 'statusError' must give for each status, by its Rust name, given
-- everything a caller may know ('full'). Statuses the bridge handles before they
-- could reach it (channel full, pending, expired, already answered, buffer too
-- small), and those no correct bridge returns, are internal errors.
expected :: [(String, BridgeError)]
expected =
  [ ("Ok", InternalError export 0),
    ("NotInitialised", NotRunning),
    ("AlreadyInitialised", AlreadyRunning),
    ("MessageTooLong", MessageTooLong 9 4),
    ("Undecodable", UndecodableRequest),
    ("ShuttingDown", ShuttingDown),
    ("ChannelFull", InternalError export 6),
    ("BadConfig", BadConfig),
    ("EnginePanicked", EnginePanicked "injected panic"),
    ("InvalidArgument", InternalError export 9),
    ("SpawnFailed", WorkerSpawnFailed),
    ("Pending", InternalError export 11),
    ("EncodeFailed", InternalError export 12),
    ("SchemaMismatch", SchemaMismatch ours theirs),
    ("AlreadySubscribed", AlreadySubscribed),
    ("Abandoned", InternalError export 15),
    ("Expired", InternalError export 16),
    ("AlreadyAnswered", InternalError export 17),
    ("Unanswered", Unanswered),
    ("NotSubscribed", InternalError export 19),
    ("SubscriptionBusy", InternalError export 20),
    ("BufferTooSmall", InternalError export 21),
    ("UnknownHandle", InternalError export 22),
    ("HandleTableFull", TooManyThreads)
  ]

-- | The statuses whose exception carries what only the caller knows: without it in
-- the context, each is an 'InternalError'.
needContext :: [String]
needContext = ["MessageTooLong", "EnginePanicked", "SchemaMismatch"]

-- | A context with everything filled in: a request of 9 bytes over a limit of 4, a
-- panic's message, and two fingerprints.
full :: StatusContext
full =
  (statusContext export)
    { contextMessage = Just (9, 4),
      contextReplyText = Just "injected panic",
      contextFingerprints = Just (ours, theirs)
    }

export :: String
export = "h2r_call"

ours, theirs :: Fingerprint
ours = Fingerprint (B.replicate 32 1)
theirs = Fingerprint (B.replicate 32 2)

-- | The Rust name of a 'Status' constructor: its Haskell name without @Status@.
rustName :: Status -> String
rustName = drop (length "Status") . show

-- | A fixture's lines, split into words; comments and blank lines skipped.
readFixture :: String -> FilePath -> IO (FilePath, [[String]])
readFixture variable file = do
  path <- fromMaybe ("../../bridge/fixtures/" <> file) <$> lookupEnv variable
  entries <- map words . filter (\l -> not (null l) && take 1 l /= "#") . lines <$> readFile path
  pure (path, entries)

-- | The status file's lines: a code and a Rust name each.
readCodes :: IO [(CInt, String)]
readCodes = do
  (path, entries) <- readFixture "RS_IN_HS_STATUS_CODES" "status.txt"
  case traverse parse entries of
    Right codes -> pure codes
    Left bad -> fail (path <> ": not a status line: " <> show bad)
  where
    parse entry = case entry of
      [code, name] | Just n <- readMaybe code -> Right (n, name)
      _ -> Left (unwords entry)

-- | Haskell's side of @abi.txt@: each line as Haskell would write it.
haskellAbi :: [[String]]
haskellAbi =
  [["fingerprint_len", show fingerprintLen]]
    <> counters "stats_counter" bridgeCounterNames
    <> counters "event_stats_counter" eventCounterNames
    <> [ ["max_event_capacity", show maxEventCapacity],
         ["event_record_header_len", show eventRecordHeaderLen],
         ["event_record_missed_at", show eventRecordMissedAt],
         ["event_record_len_at", show eventRecordLenAt],
         ["event_record_align", show eventRecordAlign]
       ]
  where
    counters key names =
      [key <> "s", show (length names)] : [[key, show at, name] | (at, name) <- zip [0 :: Int ..] names]

spec :: Spec
spec = do
  it "maps every code in the file to the Status constructor of the same name" $ do
    codes <- readCodes
    codes `shouldSatisfy` (not . null)
    [(code, rustName <$> statusFromCode code) | (code, _) <- codes]
      `shouldBe` [(code, Just name) | (code, name) <- codes]

  it "lists every Status constructor once, and no other code maps to a Status" $ do
    codes <- readCodes
    sort (map snd codes) `shouldBe` sort (map rustName [minBound .. maxBound])
    let listed = map fst codes
        others = filter (`notElem` listed) [minimum listed - 16 .. maximum listed + 16]
    [code | code <- others, Just _ <- [statusFromCode code]] `shouldBe` []

  it "maps every code to the expected BridgeError through the one status mapping" $ do
    codes <- readCodes
    sort (map fst expected) `shouldBe` sort (map snd codes)
    [(name, statusError full code) | (code, name) <- codes]
      `shouldBe` [(name, fromMaybe (InternalError "not in the expected table" 0) (lookup name expected)) | (_, name) <- codes]

  it "maps a status whose context lacks what its exception needs, and codes that are no status, to InternalError" $ do
    codes <- readCodes
    [(name, statusError (statusContext export) code) | (code, name) <- codes, name `elem` needContext]
      `shouldBe` [(name, InternalError export (fromIntegral code)) | (code, name) <- codes, name `elem` needContext]
    map (statusError full) [-1, 99] `shouldBe` [InternalError export (-1), InternalError export 99]

  it "has every ABI constant of bridge/fixtures/abi.txt, with Rust's value" $ do
    (_, entries) <- readFixture "RS_IN_HS_ABI_CONSTANTS" "abi.txt"
    entries `shouldSatisfy` (not . null)
    [entry | entry <- entries, entry `notElem` haskellAbi] `shouldBe` []
    [entry | entry <- haskellAbi, entry `notElem` entries] `shouldBe` []
    entries `shouldBe` haskellAbi
