{-# LANGUAGE ScopedTypeVariables #-}

-- | Starting and stopping a bridge: 'withRustSchema' (the bracket that
-- 'RustBridge.withRust' is built on) with its schema fingerprint check, and Rust's
-- own fingerprint. Internal: "RustBridge.Internal" re-exports it.
module RustBridge.Internal.Lifecycle
  ( withRustSchema,
    rustSchemaFingerprint,
  )
where

import Control.Concurrent (rtsSupportsBoundThreads)
import Control.Exception (bracket_, throwIO)
import Control.Monad (unless)
import Control.Monad.Trans.Reader (ReaderT (..))
import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import Data.Proxy (Proxy (..))
import Data.Store (encode)
import FFI
import Foreign.Marshal.Array (allocaArray, peekArray)
import RustBridge.Abi
import RustBridge.Internal.Env
import RustBridge.Internal.Wire (withBytes)
import RustBridge.Protocol (Linked (..), Protocol (Start))
import RustBridge.Status
import Schema (Fingerprint (..))
import Types

-- | 'RustBridge.withRustStarting' with an explicit schema fingerprint (which
-- 'RustBridge.withRust' derives from the protocol, and a test may derive from any
-- text with 'Schema.fingerprintOf'). Throws what 'RustBridge.withRustStarting'
-- throws; 'SchemaMismatch' unless the fingerprint is Rust's.
withRustSchema :: forall p a. Linked p => Fingerprint -> Config -> Start p -> RustT p IO a -> IO a
withRustSchema fingerprint given startWith (RustT body) = do
  unless rtsSupportsBoundThreads (throwIO NotThreadedRuntime)
  let imports = linkedImports (Proxy :: Proxy p)
  env <- newEnv imports given
  bracket_ (start imports fingerprint (envConfig env) (encode startWith)) (stop imports) (runReaderT body env)

-- | Starts the engine: Rust builds it from the start-up message before this
-- returns. An engine whose constructor panicked is 'EnginePanicked' (its message is
-- on stderr), and nothing runs.
start :: Imports -> Fingerprint -> Config -> ByteString -> IO ()
start imports ours config startBytes =
  withBytes (encode (InitMessage (fingerprintBytes ours) config startBytes)) $ \ptr len -> do
    status <- h2rInit imports hsTryPutMVarPtr hsThreadDonePtr ptr len
    unless (statusFromCode status == Just StatusOk) $ do
      -- Rust's fingerprint is worth a call only when it is the reason.
      theirs <-
        if statusFromCode status == Just StatusSchemaMismatch
          then Just <$> fingerprintThrough imports
          else pure Nothing
      let context = (statusContext "h2r_init") {contextFingerprints = (,) ours <$> theirs}
      throwIO (statusError (context {contextReplyText = Just "the engine panicked as it started (its message is on stderr)"}) status)

-- | Stops the engine (a barrier: see "RustBridge"). An engine whose drop panicked is
-- 'EnginePanicked' (its message is on stderr), once the bridge has stopped all the
-- same.
stop :: Imports -> IO ()
stop imports = do
  status <- h2rDeinit imports
  unless (statusFromCode status == Just StatusOk) $
    throwIO (statusError (statusContext "h2r_deinit") {contextReplyText = Just "the engine panicked as it stopped (its message is on stderr)"} status)

-- | Rust's schema fingerprint for protocol @p@'s engine (needs no running bridge).
-- Throws 'InternalError' if Rust cannot report one.
rustSchemaFingerprint :: Linked p => Proxy p -> IO Fingerprint
rustSchemaFingerprint = fingerprintThrough . linkedImports

-- | 'rustSchemaFingerprint' through an engine's imports.
fingerprintThrough :: Imports -> IO Fingerprint
fingerprintThrough imports = allocaArray fingerprintLen $ \out -> do
  h2rSchemaFingerprint imports out (fromIntegral fingerprintLen) >>= checkOk "h2r_schema_fingerprint"
  Fingerprint . B.pack <$> peekArray fingerprintLen out
