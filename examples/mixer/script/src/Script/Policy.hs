{-# LANGUAGE FlexibleContexts #-}
{-# LANGUAGE ScopedTypeVariables #-}
{-# LANGUAGE TypeFamilies #-}
{-# LANGUAGE TypeOperators #-}

-- | Which of the mixer's messages a script may send, and the checks of each: a
-- message has an instance here or a script cannot send it, so a message added to
-- the protocol stays out of scripts' reach until it is listed. The worker applies
-- the checks before it sends a request ('admit'); the host applies them again to
-- the bytes the worker relays ('checkCall', 'checkCast'), so a script that got
-- past the worker's checks still reaches the engine with listed requests only.
-- Used by "Script" and "Script.Runner"; not exposed. 'ScriptCall' and
-- 'ScriptCast' have a superclass that this module does not export ('Listed'), so
-- an instance a script writes of either does not compile.
module Script.Policy
  ( ScriptCall (..),
    ScriptCast,
    NotAllowed (..),

    -- * The host's check of relayed bytes
    checkCall,
    checkCast,
    scriptCallTags,
    scriptCastTags,
  )
where

import Control.Exception (Exception, IOException, throwIO, try)
import Control.Monad (when)
import Data.ByteString (ByteString)
import qualified Data.ByteString as B
import Data.IntMap.Strict (IntMap)
import qualified Data.IntMap.Strict as IntMap
import Data.List (isSuffixOf, stripPrefix)
import Data.Proxy (Proxy (..))
import Data.Store (decode)
import qualified Data.Text as Text
import Data.Typeable (Typeable, typeRep)
import Data.Word (Word8)
import Mixer.Protocol
import RustBridge (Call (..), CallOf, Cast (..), CastOf, WireText (..))
import RustBridge.Internal (encodeCall, encodeCast)
import RustBridge.Protocol (callTag, castTag)
import System.Directory (pathIsSymbolicLink)
import System.FilePath (addTrailingPathSeparator, (</>))

-- | A script asked for something its host does not allow; the text says what and
-- why. Nothing of the request reached the engine.
newtype NotAllowed = NotAllowed String

instance Show NotAllowed where
  show (NotAllowed why) = "not allowed: " <> why

instance Exception NotAllowed

-- | The seal on 'ScriptCall' and 'ScriptCast': the messages of the protocol a
-- script may send, each listed here. No module a script can import exports this
-- class, so only this module can add a message.
class Listed msg

-- | A request a script may make. 'Listed' holds for each instance, so an instance
-- a script writes does not compile.
class (CallOf req, CallProtocol req ~ Mixer, Listed req) => ScriptCall req where
  -- | The worker's check, run before the request is sent, given the recordings
  -- folder: returns the request to send, or throws 'NotAllowed'.
  admit :: Maybe FilePath -> req -> IO req
  admit _ = pure

  -- | The host's check of the request as 'admit' returned it, given the same
  -- folder: returns the request to pass to the engine, or throws 'NotAllowed'.
  readmit :: Maybe FilePath -> req -> IO req
  readmit _ = pure

-- | A message a script may cast. 'Listed' holds for each instance, as for
-- 'ScriptCall'.
class (CastOf msg, CastProtocol msg ~ Mixer, Listed msg) => ScriptCast msg

instance Listed Ping

instance Listed SetGain

instance Listed SetMute

instance Listed SetPan

instance Listed SetDelay

instance Listed SetLabel

instance Listed GetChannel

instance Listed WriteSamples

instance Listed QueryMeters

instance Listed LoadPreset

instance Listed SavePreset

instance Listed Automate

instance Listed Seek

instance Listed Reset

instance Listed QueryAudio

instance Listed AwaitFrame

instance Listed Record

instance Listed ImportWav

instance Listed SetMaster

instance Listed ResetMeters

instance Listed Transport

instance ScriptCall Ping

instance ScriptCall SetGain

instance ScriptCall SetMute

instance ScriptCall SetPan

instance ScriptCall SetDelay

instance ScriptCall SetLabel

instance ScriptCall GetChannel

instance ScriptCall WriteSamples

instance ScriptCall QueryMeters

instance ScriptCall LoadPreset

instance ScriptCall SavePreset

instance ScriptCall Automate

instance ScriptCall Seek

instance ScriptCall Reset

instance ScriptCall QueryAudio

instance ScriptCall AwaitFrame

-- | A recording's name becomes a file in the host's recordings folder
-- ('folderFile'); the host takes only such a file ('folderName').
instance ScriptCall Record where
  admit folder (Record (WireText name) frames) =
    (`Record` frames) <$> folderFile folder (Text.unpack name)
  readmit folder (Record (WireText path) frames) =
    (`Record` frames) <$> folderName folder (Text.unpack path)

-- | A WAV file to import is named like a recording, in the same folder
-- ('folderFile'); the host takes only such a file ('folderName').
instance ScriptCall ImportWav where
  admit folder (ImportWav channel (WireText name)) =
    ImportWav channel <$> folderFile folder (Text.unpack name)
  readmit folder (ImportWav channel (WireText path)) =
    ImportWav channel <$> folderName folder (Text.unpack path)

instance ScriptCast SetMaster

instance ScriptCast ResetMeters

instance ScriptCast Transport

-- | The file of the given name in the host's recordings folder, as the engine's
-- text, or 'NotAllowed' with why not: the name must be a plain file name ('folderPath'),
-- and the file no symbolic link (a link in the folder would lead elsewhere; a
-- name that does not exist yet is no link).
folderFile :: Maybe FilePath -> String -> IO WireText
folderFile folder name = case folderPath folder name of
  Left why -> throwIO (NotAllowed why)
  Right path -> do
    linked <- try (pathIsSymbolicLink path) :: IO (Either IOException Bool)
    when (linked == Right True) (throwIO (NotAllowed ("the file " <> show name <> " is a symbolic link in the recordings folder")))
    pure (WireText (Text.pack path))

-- | The path of a file in the recordings folder, as 'folderFile' returns it,
-- checked again as 'folderFile' checks its name; any other path is 'NotAllowed'.
folderName :: Maybe FilePath -> String -> IO WireText
folderName folder path = case folder of
  Just dir | Just name <- stripPrefix (addTrailingPathSeparator dir) path -> folderFile folder name
  Just _ -> throwIO (NotAllowed ("the path " <> show path <> " is not in the recordings folder"))
  Nothing -> folderFile folder path

-- | Where a file of the given name is: a plain file name (no folder, not hidden, at
-- most 255 characters, ending in @.wav@) inside the recordings folder, or why it is
-- refused. With no recordings folder, every name is refused.
folderPath :: Maybe FilePath -> String -> Either String FilePath
folderPath folder name = case folder of
  Nothing -> Left "this host gives scripts no recordings folder"
  Just dir
    | null name -> Left "a file needs a name"
    | any (`elem` "/\\\0") name -> Left ("the name " <> show name <> " names a folder; give a plain file name")
    | take 1 name == "." -> Left ("the name " <> show name <> " starts with a dot")
    | length name > 255 -> Left "the name is over 255 characters"
    | not (".wav" `isSuffixOf` name) -> Left ("the name " <> show name <> " does not end in .wav")
    | otherwise -> Right (dir </> name)

-- | The host's check of a call's bytes as a worker relays them: a tag of a call a
-- script may send ('ScriptCall'), then that call's encoding, every byte used. The
-- call must pass its 'readmit'. Returns the bytes to pass to the engine (the call
-- encoded again), or the refusal as text, in which case nothing is to reach the
-- engine.
checkCall :: Maybe FilePath -> ByteString -> IO (Either String ByteString)
checkCall folder bytes = case B.uncons bytes of
  Nothing -> pure (Left (show (NotAllowed "an empty call")))
  Just (tag, body) -> case IntMap.lookup (fromIntegral tag) callRules of
    Nothing -> pure (Left (show (NotAllowed ("the call of tag " <> show tag <> " is not one a script may send"))))
    Just rule -> either (Left . show) Right <$> (try (rule folder body) :: IO (Either NotAllowed ByteString))

-- | The host's check of a cast's bytes as a worker relays them: a tag of a cast a
-- script may send ('ScriptCast'), then that cast's encoding, every byte used.
-- Returns the bytes to pass to the engine (the cast encoded again), or the
-- refusal as text.
checkCast :: ByteString -> Either String ByteString
checkCast bytes = case B.uncons bytes of
  Nothing -> Left (show (NotAllowed "an empty cast"))
  Just (tag, body) -> case IntMap.lookup (fromIntegral tag) castRules of
    Nothing -> Left (show (NotAllowed ("the cast of tag " <> show tag <> " is not one a script may send")))
    Just rule -> either (Left . show) Right (rule body)

-- | The wire tags of the calls a script may send.
scriptCallTags :: [Word8]
scriptCallTags = map fromIntegral (IntMap.keys callRules)

-- | The wire tags of the casts a script may send.
scriptCastTags :: [Word8]
scriptCastTags = map fromIntegral (IntMap.keys castRules)

-- | Each call a script may send, by its tag: decodes the call's bytes after the
-- tag, checks the call ('readmit') and encodes it again. Each entry needs the
-- call's 'ScriptCall' instance, so no call is here that a script may not send.
callRules :: IntMap (Maybe FilePath -> ByteString -> IO ByteString)
callRules =
  IntMap.fromList
    [ callRule (Proxy :: Proxy Ping),
      callRule (Proxy :: Proxy SetGain),
      callRule (Proxy :: Proxy SetMute),
      callRule (Proxy :: Proxy SetPan),
      callRule (Proxy :: Proxy SetDelay),
      callRule (Proxy :: Proxy SetLabel),
      callRule (Proxy :: Proxy GetChannel),
      callRule (Proxy :: Proxy WriteSamples),
      callRule (Proxy :: Proxy QueryMeters),
      callRule (Proxy :: Proxy LoadPreset),
      callRule (Proxy :: Proxy SavePreset),
      callRule (Proxy :: Proxy Automate),
      callRule (Proxy :: Proxy Seek),
      callRule (Proxy :: Proxy Reset),
      callRule (Proxy :: Proxy QueryAudio),
      callRule (Proxy :: Proxy AwaitFrame),
      callRule (Proxy :: Proxy Record),
      callRule (Proxy :: Proxy ImportWav)
    ]

-- | Each cast a script may send, by its tag: decodes the cast's bytes after the
-- tag and encodes it again, as for 'callRules'.
castRules :: IntMap (ByteString -> Either NotAllowed ByteString)
castRules =
  IntMap.fromList
    [ castRule (Proxy :: Proxy SetMaster),
      castRule (Proxy :: Proxy ResetMeters),
      castRule (Proxy :: Proxy Transport)
    ]

-- | A call's entry in 'callRules'.
callRule :: forall req. (ScriptCall req, Typeable req) => Proxy req -> (Int, Maybe FilePath -> ByteString -> IO ByteString)
callRule request = (fromIntegral (callTag request), check)
  where
    check folder body = case decode body of
      Left _ -> throwIO (undecodable "call" request)
      Right (decoded :: req) -> encodeCall <$> readmit folder decoded

-- | A cast's entry in 'castRules'.
castRule :: forall msg. (ScriptCast msg, Typeable msg) => Proxy msg -> (Int, ByteString -> Either NotAllowed ByteString)
castRule message = (fromIntegral (castTag message), check)
  where
    check body = case decode body of
      Left _ -> Left (undecodable "cast" message)
      Right (decoded :: msg) -> Right (encodeCast decoded)

-- | The refusal of bytes that do not decode as the message their tag names.
undecodable :: Typeable a => String -> Proxy a -> NotAllowed
undecodable what message = NotAllowed ("the bytes of a " <> what <> " tagged as " <> show (typeRep message) <> " do not decode as one")
