{-# LANGUAGE CPP #-}

-- | The uses of the GHC API that hint does not cover, and the only module that
-- differs between GHC versions: reading a file's pragma options without running
-- anything, collecting GHC's error messages, and keeping what the package flags mean.
-- Used by "ScriptHost.Pragmas" and "ScriptHost.Session". Its branches: GHC 9.0, and
-- GHC 9.6 and later (logger hooks, diagnostics with a code), with a part for 9.10
-- (package flags); CI builds and tests them with GHC 9.0.2, 9.6.6 and 9.10.3.
module ScriptHost.Ghc
  ( pragmaOptions,
    collectErrors,
    adaptPackageFlags,
  )
where

import Data.IORef (IORef, modifyIORef')
import qualified GHC
#if MIN_VERSION_ghc(9,10,0)
import Data.Maybe (isNothing)
import GHC.Driver.Env (hsc_units)
import GHC.Driver.Session (PackageArg (..), PackageFlag (..), TrustFlag (..), packageFlags, trustFlags)
import GHC.Unit.Info (mkUnit, unitComponentName, unitPackageNameString)
import GHC.Unit.State (listUnitInfo)
#endif
#if MIN_VERSION_ghc(9,6,0)
import GHC.Driver.Config.Parser (initParserOpts)
import GHC.Driver.Monad (modifyLogger)
import GHC.Driver.Session (DynFlags)
import GHC.Parser.Header (getOptionsFromFile)
import GHC.Types.Error (MessageClass (..), Severity (..))
import GHC.Types.SrcLoc (getLoc, unLoc)
import GHC.Utils.Error (mkLocMessage)
import GHC.Utils.Logger (LogAction, log_default_user_context, pushLogHook)
import GHC.Utils.Outputable (defaultSDocContext, ppr, renderWithContext)
#else
import GHC.Driver.Session (DynFlags, LogAction, log_action)
import GHC.Parser.Header (getOptionsFromFile)
import GHC.Types.SrcLoc (getLoc, unLoc)
import GHC.Utils.Error (Severity (..), mkLocMessage)
import GHC.Utils.Outputable (ppr, showSDoc)
#endif

-- | The options that a file's pragmas (@LANGUAGE@, @OPTIONS_GHC@, @OPTIONS@) give,
-- each with its place rendered as @file:line:column@. Reads only the file's header,
-- as GHC does before choosing a preprocessor, and runs nothing. Throws GHC's
-- @SourceError@ on a malformed pragma and an 'IOError' if the file cannot be read.
pragmaOptions :: DynFlags -> FilePath -> IO [(String, String)]
#if MIN_VERSION_ghc(9,6,0)
pragmaOptions dflags file = do
  (_, options) <- getOptionsFromFile (initParserOpts dflags) file
  pure [(renderWithContext defaultSDocContext (ppr (getLoc option)), unLoc option) | option <- options]
#else
pragmaOptions dflags file = do
  options <- getOptionsFromFile dflags file
  pure [(showSDoc dflags (ppr (getLoc option)), unLoc option) | option <- options]
#endif

-- | Makes the session add each error GHC reports to the front of the list, as text
-- with its place. hint 0.9.0.6 on GHC 9.0 loses them: it reports @Got no error
-- message@ while GHC writes them to stderr.
collectErrors :: GHC.GhcMonad m => IORef [String] -> m ()
#if MIN_VERSION_ghc(9,6,0)
collectErrors errorsRef = modifyLogger (pushLogHook (const collect))
  where
    collect :: LogAction
    collect logFlags messageClass srcSpan doc = case messageClass of
      MCFatal -> record
      MCDiagnostic SevError _ _ -> record
      _ -> pure ()
      where
        -- The session's own context, so that the text reads as GHC's message would
        -- (with Unicode quotes where the locale has them).
        record = modifyIORef' errorsRef (renderWithContext (log_default_user_context logFlags) (mkLocMessage messageClass srcSpan doc) :)
#else
collectErrors errorsRef = do
  dflags <- GHC.getSessionDynFlags
  _ <- GHC.setSessionDynFlags dflags {log_action = collect}
  pure ()
  where
    collect :: LogAction
    collect dflags _ severity srcSpan doc = case severity of
      SevError -> record
      SevFatal -> record
      _ -> pure ()
      where
        record = modifyIORef' errorsRef (showSDoc dflags (mkLocMessage severity srcSpan doc) :)
#endif

-- | Makes the session's @-package@ and @-trust@ flags mean on this GHC what they
-- mean on GHC 9.0 and 9.6. On GHC 9.10, where they differ, it changes two things:
--
-- * @-package NAME@, for a NAME with sublibraries, names NAME's main library: 9.10
--   matches the sublibraries too (they carry NAME as their package name) and may
--   expose one of them, leaving the main library hidden.
-- * @-trust base@ trusts @ghc-internal@ as well: 9.10's @base@ re-exports modules of
--   @ghc-internal@ (@Control.Monad@, for one), which Safe Haskell then needs trusted.
--   The package stays hidden, so a script still cannot import it.
--
-- Elsewhere it does nothing.
adaptPackageFlags :: GHC.GhcMonad m => m ()
#if MIN_VERSION_ghc(9,10,0)
adaptPackageFlags = do
  units <- hsc_units <$> GHC.getSession
  dflags <- GHC.getSessionDynFlags
  let named name = [unit | unit <- listUnitInfo units, unitPackageNameString unit == name]
      expose (ExposePackage text (PackageArg name) renaming)
        | libraries@(_ : _ : _) <- named name,
          [main] <- filter (isNothing . unitComponentName) libraries =
            ExposePackage text (UnitIdArg (mkUnit main)) renaming
      expose flag = flag
      internal = [TrustPackage "ghc-internal" | TrustPackage "base" `elem` trustFlags dflags]
  _ <-
    GHC.setSessionDynFlags
      dflags
        { packageFlags = map expose (packageFlags dflags),
          trustFlags = trustFlags dflags <> internal
        }
  pure ()
#else
adaptPackageFlags = pure ()
#endif
