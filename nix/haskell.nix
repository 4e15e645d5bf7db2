# The Haskell half, built with haskell.nix from hs/rs-in-hs.cabal, linked against
# the crane-built static library `rsLib` (lib/librs_in_hs.a).
{ pkgs, rsLib }:
let
  inherit (pkgs) lib;

  # Hackage snapshot for the cabal solver. haskell.nix only accepts index states
  # that its pinned hackage.nix knows, and the locked haskell.nix pins hackage at
  # 2026-08-22 (shared/nix/README.md), so 2026-08-21T00:00:00Z is the newest safe
  # value: the newest package versions the lock can give. Moving it forward needs
  # a newer haskell.nix in flake.lock first.
  index-state = "2026-08-21T00:00:00Z";

  project = pkgs.haskell-nix.cabalProject' {
    name = "rs-in-hs";
    # The package lives in hs/. There is no cabal.project: haskell.nix then plans
    # as if it held `packages: ./*.cabal`, which is what plain cabal does too.
    src = ../hs;
    inherit index-state;

    # GHC 9.8 (haskell.nix maps ghc98 to its newest 9.8.x). Why this one:
    # - haskell.nix CI-tests ghc96/98/910/912/914 at this pin, so cache.iog.io
    #   should have the compiler and GHC is not built from source;
    # - the Debian path compiles with GHC 9.0.2; 9.8 is the second-oldest tested
    #   series, so the Nix build stays near that base line without sitting on
    #   ghc96, the oldest tested series and so the likeliest to lose its cache;
    # - the cabal file's upper bounds (store <0.8, hspec <2.12, mtl <2.4,
    #   bytestring <0.13, ...) were set against releases that 9.8's boot packages
    #   fit; dependencies heavy on Template Haskell (store, th-utilities) and the
    #   ghc-lib-parser under hlint/ormolu have had 9.8 releases for a long time,
    #   while the newest series often wait for them.
    compiler-nix-name = "ghc98";

    modules = [
      {
        # hs/rs-in-hs.cabal says `extra-libraries: rs_in_hs`, which haskell.nix
        # resolves as `pkgs.rs_in_hs`; no such package exists. Each component that
        # links gets the crane output instead (mkForce replaces the planned list).
        # haskell.nix turns every entry into --extra-lib-dirs=<entry>/lib at
        # configure time, so the cabal file stays free of Nix paths. Nothing but
        # rs_in_hs is added: no dl/rt, which glibc (>= 2.34) keeps inside libc.
        packages.rs-in-hs.components = {
          library.libs = lib.mkForce [ rsLib ];
          tests.rs-in-hs-test.libs = lib.mkForce [ rsLib ];
          tests.rs-in-hs-nonthreaded.libs = lib.mkForce [ rsLib ];
          # The wire golden tests read fixtures/wire, which lies outside `src`
          # (../hs); they get a store copy of it.
          tests.rs-in-hs-test.preCheck = "export RS_IN_HS_FIXTURES=${../fixtures/wire}";
          exes.rs-in-hs-bench.libs = lib.mkForce [ rsLib ];
          exes.rs-in-hs-soak.libs = lib.mkForce [ rsLib ];
        };
      }
    ];
  };

  hsPkg = project.hsPkgs.rs-in-hs;

  # Shell tools are solved against the same index-state as the project, so their
  # versions change only when the pins do. haskell.nix builds them with ghc98 too,
  # and the solver picks the newest release that builds with it.
  pinnedTool = {
    version = "latest";
    inherit index-state;
  };
in
{
  inherit project;

  library = hsPkg.components.library;
  bench = hsPkg.components.exes.rs-in-hs-bench;

  checks = {
    # `checks.<test-suite>` RUNS the hspec suite (components.tests.* only builds it).
    hs-test = hsPkg.checks.rs-in-hs-test;
    # The suite linked without -threaded: withRust must refuse it.
    hs-test-nonthreaded = hsPkg.checks.rs-in-hs-nonthreaded;
    # The benchmark is built, not run: its timings mean nothing in a build sandbox.
    bench-build = hsPkg.components.exes.rs-in-hs-bench;
    # The soak is built here; it runs in .ci/run and under `just soak`.
    soak-build = hsPkg.components.exes.rs-in-hs-soak;
  };

  # GHC with every dependency of every component of rs-in-hs preinstalled, plus
  # cabal, hlint and ormolu. No Hoogle index: building it documents every
  # dependency and slows the first `nix develop` for little use here.
  shell = project.shellFor {
    withHoogle = false;
    tools = {
      cabal = pinnedTool;
      hlint = pinnedTool;
      ormolu = pinnedTool;
    };
  };
}
