{-# LANGUAGE FlexibleContexts #-}
{-# LANGUAGE TypeFamilies #-}
{-# LANGUAGE TypeOperators #-}

-- | Which of the mixer's messages a script may send, and the host's check of each:
-- a message has an instance here or a script cannot send it, so a message added
-- to the protocol stays out of scripts' reach until it is listed. Used by
-- "Script"; not exposed. 'ScriptCall' and 'ScriptCast' have a superclass that
-- this module does not export ('Listed'), so an instance a script writes of either
-- does not compile.
module Script.Policy
  ( ScriptCall (..),
    ScriptCast,
    NotAllowed (..),
  )
where

import Control.Exception (Exception, IOException, throwIO, try)
import Control.Monad (when)
import Data.List (isSuffixOf)
import qualified Data.Text as Text
import Mixer.Protocol
import RustBridge (Call (..), CallOf, Cast (..), CastOf, WireText (..))
import Script.Monad (Context (..))
import System.Directory (pathIsSymbolicLink)
import System.FilePath ((</>))

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

-- | A request a script may make. 'admit' is the host's check, run before the
-- request is sent: it returns the request to send, or throws 'NotAllowed'.
-- 'Listed' holds for each instance, so an instance a script writes does not
-- compile.
class (CallOf req, CallProtocol req ~ Mixer, Listed req) => ScriptCall req where
  admit :: Context -> req -> IO req
  admit _ = pure

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
-- ('folderFile').
instance ScriptCall Record where
  admit context (Record (WireText name) frames) =
    (`Record` frames) <$> folderFile context (Text.unpack name)

-- | A WAV file to import is named like a recording, in the same folder
-- ('folderFile').
instance ScriptCall ImportWav where
  admit context (ImportWav channel (WireText name)) =
    ImportWav channel <$> folderFile context (Text.unpack name)

instance ScriptCast SetMaster

instance ScriptCast ResetMeters

instance ScriptCast Transport

-- | The file of the given name in the host's recordings folder, as the engine's
-- text, or 'NotAllowed' with why not: the name must be a plain file name ('folderPath'),
-- and the file no symbolic link (a link in the folder would lead elsewhere; a
-- name that does not exist yet is no link).
folderFile :: Context -> String -> IO WireText
folderFile context name = case folderPath (recordings context) name of
  Left why -> throwIO (NotAllowed why)
  Right path -> do
    linked <- try (pathIsSymbolicLink path) :: IO (Either IOException Bool)
    when (linked == Right True) (throwIO (NotAllowed ("the file " <> show name <> " is a symbolic link in the recordings folder")))
    pure (WireText (Text.pack path))

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
