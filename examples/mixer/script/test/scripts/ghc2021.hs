-- Uses ExplicitForAll, which GHC2021 switches on and Haskell 2010 does not: the
-- host pins the language to Haskell 2010, so this does not compile on any GHC.
import Script

identity :: forall a. a -> a
identity x = x

script :: Script ()
script = say (identity "compiled as GHC2021")
