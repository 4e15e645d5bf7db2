{-# LANGUAGE GeneralizedNewtypeDeriving #-}
{-# LANGUAGE KindSignatures #-}
{-# LANGUAGE RoleAnnotations #-}

-- | The bridge monad 'RustT' and the 'Env' its actions see, with how a bridge's
-- 'Env' is built from the config it was given. Internal: "RustBridge.Internal"
-- re-exports 'RustT', 'Rust' and 'Env'; "RustBridge.Internal.Lifecycle" builds the
-- 'Env' and "RustBridge.Internal.Call" runs on it.
module RustBridge.Internal.Env
  ( -- * The bridge monad
    RustT (..),
    Rust,
    withEnv,

    -- * The environment
    Env (..),
    newEnv,
  )
where

import Control.Concurrent (getNumCapabilities)
import Control.Concurrent.QSem (QSem, newQSem)
import Control.Monad.IO.Class (MonadIO, liftIO)
import Control.Monad.IO.Unlift (MonadUnliftIO)
import Control.Monad.Trans.Class (MonadTrans)
import Control.Monad.Trans.Reader (ReaderT (..))
import Data.Kind (Type)
import Data.Word (Word64)
import FFI
import Foreign.C.Types (CSize)
import RustBridge.Internal.Counter (Counter, newCounter)
import Types

-- | What every bridge action can see: its engine's imports, the config it was
-- started with, and how its calls wait.
data Env = Env
  { -- | The imports of the engine of the protocol
    -- 'RustBridge.Internal.Lifecycle.withRustSchema' was run for.
    envImports :: !Imports,
    -- | The config Rust's worker gets: the one
    -- 'RustBridge.Internal.Lifecycle.withRustSchema' was given, with 'spinMicros'
    -- set to 0 where the worker's spinning cannot help (see 'workerConfig').
    envConfig :: !Config,
    -- | How long a call may wait for its reply by polling before it parks, in
    -- nanoseconds: the given 'spinMicros'.
    envWaitWindow :: !Word64,
    -- | Whether the process may run on one CPU only (Rust's @h2r_parallelism@:
    -- affinity mask and cgroup quota). A call then polls only while it is this
    -- bridge's only call in progress ('envInProgress'), and each poll yields the
    -- CPU to the worker (see @h2r_reply_wait@).
    envOneCpu :: !Bool,
    -- | On one CPU, how many of this bridge's calls are in progress; elsewhere
    -- unused. One counter serves every capability: with one CPU they do not run
    -- at once, so they do not contend for it. A primitive counter rather than an
    -- 'Data.IORef.IORef': pinned, it made 6-10 % more calls a second.
    envInProgress :: !Counter,
    -- | The gate of guarantee 5 (see @submit@ in "RustBridge.Internal.Call").
    envWaitGate :: !QSem,
    -- | A new call spins only while fewer calls than this are in flight: twice
    -- the capabilities. A spinning caller holds its capability, so at most one
    -- spins per capability at a time; with more in flight the worker has a queue,
    -- and the capabilities' other callers should submit rather than wait behind a
    -- spinner (see @callBytes@ in "RustBridge.Internal.Call").
    envSpinLimit :: !Word64
  }

-- | Actions that talk to a running bridge whose engine speaks protocol @p@. Only
-- 'RustBridge.withRust' runs them. The 'MonadUnliftIO' instance lets them use
-- @unliftio@'s exception and concurrency helpers (for example
-- 'UnliftIO.Exception.try').
--
-- The protocol is nominal: 'Data.Coerce.coerce' cannot turn an action of one
-- protocol into one of another, which would send its messages to the wrong engine.
newtype RustT (p :: Type) m a = RustT (ReaderT Env m a)
  deriving (Functor, Applicative, Monad, MonadIO, MonadUnliftIO, MonadTrans)

type role RustT nominal representational nominal

-- | 'RustT' over 'IO'.
type Rust p = RustT p IO

-- | Runs an 'IO' action with the bridge's environment.
withEnv :: MonadIO m => (Env -> IO a) -> RustT p m a
withEnv use = RustT (ReaderT (liftIO . use))

-- | The environment of a bridge for this engine's imports, started with this
-- config: a fresh wait gate, and the worker's config, the wait window and the spin
-- limit from the RTS's capabilities and the CPUs the process may use.
newEnv :: Imports -> Config -> IO Env
newEnv imports given = do
  gate <- newQSem waitGateSize
  capabilities <- getNumCapabilities
  cpus <- h2rParallelism imports
  inProgress <- newCounter
  pure
    Env
      { envImports = imports,
        envConfig = workerConfig cpus given,
        envWaitWindow = 1000 * fromIntegral (spinMicros given),
        envOneCpu = cpus == 1,
        envInProgress = inProgress,
        envWaitGate = gate,
        envSpinLimit = fromIntegral (2 * capabilities)
      }

-- | How many callers may wait inside a blocking foreign call for room in a full
-- channel at once. Each such caller pins an OS thread; everyone else queues on the
-- 'QSem' as a Haskell thread (guarantee 5). Two keep the channel topped up while
-- the worker drains it.
waitGateSize :: Int
waitGateSize = 2

-- | The config for Rust's worker, given the CPUs the process may use: spinning
-- off on one CPU, where a spinning worker would only take the CPU from the
-- callers it waits for.
workerConfig :: CSize -> Config -> Config
workerConfig cpus config
  | cpus > 1 = config
  | otherwise = config {spinMicros = 0}
