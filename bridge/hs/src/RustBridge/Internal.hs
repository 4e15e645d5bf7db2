-- | Internals of "RustBridge": the 'RustT' monad, start-up with an explicit schema
-- fingerprint, the raw byte-level calls and casts that the typed API is built on,
-- the wire encoding of typed messages, and the status-to-exception mapping.
-- __Not stable__: this module may change in any release. Use "RustBridge".
--
-- It exists for tests: 'withRustSchema' starts the bridge exactly as
-- 'RustBridge.withRust' does, but with the fingerprint of another schema text (for
-- example one with two calls swapped) so that Rust refuses it; 'callRaw' and
-- 'castRaw' send bytes that no typed call could produce; golden tests encode and
-- decode with the bridge's own 'encodeCall', 'encodeCast' and 'decodeReply'.
--
-- It only re-exports. The code lives in five modules:
-- "RustBridge.Internal.Env" (the monad and its environment),
-- "RustBridge.Internal.Lifecycle" (start and stop), "RustBridge.Internal.Call"
-- (the call path), "RustBridge.Internal.Wire" (bytes across the ABI) and
-- "RustBridge.Internal.Counter" (the count of calls in progress on one CPU).
module RustBridge.Internal
  ( -- * The bridge monad
    RustT (..),
    Rust,
    Env (..),

    -- * Starting with an explicit schema
    withRustSchema,
    rustSchemaFingerprint,
    InitMessage (..),

    -- * Schema texts
    WireSchema (..),
    definitions,
    schemaText,
    Fingerprint (..),
    fingerprintOf,

    -- * Raw bytes
    callRaw,
    callRawWithin,
    unexpired,
    castRaw,
    checkLength,
    encodeCall,
    encodeCast,
    decodeReply,

    -- * Statuses
    Status (..),
    statusFromCode,
    StatusContext (..),
    statusContext,
    statusError,
    checkOk,
    readCounters,

    -- * ABI constants
    module RustBridge.Abi,
  )
where

import RustBridge.Abi
import RustBridge.Internal.Call
import RustBridge.Internal.Env (Env (..), Rust, RustT (..))
import RustBridge.Internal.Lifecycle
import RustBridge.Internal.Wire (decodeReply, encodeCall, encodeCast, readCounters)
import RustBridge.Status
import Schema (Fingerprint (..), WireSchema (..), definitions, fingerprintOf, schemaText)
import Types (InitMessage (..))
