-- | The C ABI's shared constants other than the status codes: the counter layouts
-- of @h2r_stats@ and @h2r_events_stats@, the events capacity limit, the layout of
-- an event record, and the fingerprint's length. Internal: "RustBridge.Internal"
-- re-exports it.
--
-- Rust declares each once and writes them to @bridge/fixtures/abi.txt@; the probe's
-- @StatusSpec@ checks every value here against that file, so a change on one side
-- alone fails a test.
module RustBridge.Abi
  ( -- * Counters
    bridgeCounterNames,
    eventCounterNames,

    -- * Events
    maxEventCapacity,
    eventRecordHeaderLen,
    eventRecordMissedAt,
    eventRecordLenAt,
    eventRecordAlign,

    -- * Schema
    fingerprintLen,
  )
where

-- | The counters @h2r_stats@ writes, by Rust's name, in its order.
bridgeCounterNames :: [String]
bridgeCounterNames =
  [ "calls_accepted",
    "calls_answered",
    "handles_issued",
    "handles_released",
    "tokens_created",
    "tokens_freed_unsent",
    "calls_dropped_abandoned",
    "calls_dropped_expired",
    "calls_woken",
    "calls_deferred",
    "deferred_settled",
    "answers_late",
    "calls_unanswered",
    "calls_revoked"
  ]

-- | The counters @h2r_events_stats@ writes, by Rust's name, in its order.
eventCounterNames :: [String]
eventCounterNames =
  [ "emitted",
    "delivered",
    "dropped",
    "wakeups",
    "tokens_taken",
    "tokens_returned"
  ]

-- | The largest events queue a subscriber may ask for, in events.
maxEventCapacity :: Int
maxEventCapacity = 65536

-- | Bytes before each event in a batch that @h2r_events_take@ writes.
eventRecordHeaderLen :: Int
eventRecordHeaderLen = 16

-- | Where a record's missed count (a native 'Data.Word.Word64') starts.
eventRecordMissedAt :: Int
eventRecordMissedAt = 0

-- | Where a record's event length (a native 'Data.Word.Word64') starts.
eventRecordLenAt :: Int
eventRecordLenAt = 8

-- | What each record's length is a multiple of (its bytes are padded with zeros).
eventRecordAlign :: Int
eventRecordAlign = 8

-- | The length of the schema fingerprint @h2r_schema_fingerprint@ writes (a
-- SHA-256).
fingerprintLen :: Int
fingerprintLen = 32
