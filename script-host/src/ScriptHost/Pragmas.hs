-- | The first gate a script passes: its pragmas, read without running GHC's
-- preprocessor or anything else a pragma could name ("ScriptHost.Ghc"), and checked
-- against an allow-list of language extensions. Part of "ScriptHost";
-- "ScriptHost.Session" runs it before the interpreter reads the file.
module ScriptHost.Pragmas
  ( defaultExtensions,
    refusedOption,
  )
where

import Data.List (intercalate, stripPrefix)
import ScriptHost.Printable (printable)

-- | The language extensions a script may switch on when the application names no
-- list of its own: syntax only, each allowed under Safe Haskell. Not in it, among
-- others: @Haskell98@, @Haskell2010@ and @GHC2021@ (a language, which the session
-- pins to Haskell 2010; the first two would switch the foreign function interface
-- back on), @Unsafe@ and @Trustworthy@, @CPP@ (a preprocessor), @TemplateHaskell@,
-- @ForeignFunctionInterface@, @PackageImports@.
defaultExtensions :: [String]
defaultExtensions =
  [ "BangPatterns",
    "LambdaCase",
    "MultiWayIf",
    "NamedFieldPuns",
    "NumericUnderscores",
    "RecordWildCards",
    "ScopedTypeVariables",
    "TupleSections",
    "TypeApplications"
  ]

-- | Why an option from a script's pragmas is refused, or 'Nothing' if it is allowed:
-- only @-X@ with one of the given extensions is. Everything else is refused, among
-- it @-fno-safe-haskell@ and @-XUnsafe@ (Safe Haskell off), @-F -pgmF@ and @-XCPP@
-- (a program run during the load) and @-package@ (another package). The refused
-- option is quoted with its control characters escaped ("ScriptHost.Printable").
refusedOption :: [String] -> String -> Maybe String
refusedOption allowed option = case stripPrefix "-X" option of
  Just extension | extension `elem` allowed -> Nothing
  _ ->
    Just
      ( "the pragma option "
          <> printable option
          <> " is not allowed in a script; a script may switch on only these language extensions: "
          <> intercalate ", " allowed
      )
