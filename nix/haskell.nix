# The Haskell half, built with haskell.nix from cabal.project: the bridge package
# (bridge/hs) and its QuickCheck generators (bridge/hs-quickcheck), the bridge's
# own tests and soak (probe/hs), the mixer demo (examples/mixer/hs), the minimal
# example (examples/minimal/hs), the script host library (script-host) and the mixer's
# script API and host (examples/mixer/script). Each engine package links the
# crane-built static library of its engine; the script host is linked dynamically
# against the mixer engine's shared library.
{
  pkgs,
  probeLib,
  mixerLib,
  mixerSharedLib,
  minimalLib,
}:
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
    # The repository root: haskell.nix reads its cabal.project, which lists every
    # Haskell package. Only git-tracked files reach the build.
    src = ../.;
    inherit index-state;

    # GHC 9.8 (haskell.nix maps ghc98 to its newest 9.8.x). Why this one:
    # - haskell.nix CI-tests ghc96/98/910/912/914 at this pin, so cache.iog.io
    #   should have the compiler and GHC is not built from source;
    # - .ci/run builds and tests every package with Debian's GHC 9.0.2, 9.6.6 and
    #   9.10.3 (`just test-ghcs`), so 9.8 lies between two tested versions; it is
    #   the second-oldest series haskell.nix tests, which keeps the Nix build near
    #   that range without sitting on ghc96, the likeliest to lose its cache;
    # - the cabal files' bounds reach what Debian sid ships with 9.10.3 (base
    #   <4.21, ghc <9.11, ...), which 9.8's boot packages fit; dependencies heavy on
    #   Template Haskell (store, th-utilities) and the ghc-lib-parser under
    #   hlint/ormolu have had 9.8 releases for a long time.
    compiler-nix-name = "ghc98";

    modules = [
      {
        # An engine package says `extra-libraries: <engine lib>`, which haskell.nix
        # resolves as `pkgs.<engine lib>`; no such package exists. Each component
        # that links gets the crane output instead (mkForce replaces the planned
        # list). haskell.nix turns every entry into --extra-lib-dirs=<entry>/lib at
        # configure time, so the cabal files stay free of Nix paths. Nothing else
        # is added: no dl/rt, which glibc (>= 2.34) keeps inside libc. The bridge
        # package itself links no engine: its foreign imports resolve when an
        # executable links an engine's library.
        packages.rs-in-hs-probe.components = {
          library.libs = lib.mkForce [ probeLib ];
          tests.rs-in-hs-test.libs = lib.mkForce [ probeLib ];
          tests.rs-in-hs-nonthreaded.libs = lib.mkForce [ probeLib ];
          exes.rs-in-hs-soak.libs = lib.mkForce [ probeLib ];
          # The status-code fixture lies outside the package; the suite gets a
          # store copy of it.
          tests.rs-in-hs-test.preCheck = "export RS_IN_HS_STATUS_CODES=${../bridge/fixtures/status.txt} RS_IN_HS_ABI_CONSTANTS=${../bridge/fixtures/abi.txt}";
        };
        packages.mixer.components = {
          library.libs = lib.mkForce [ mixerLib ];
          exes.mixer-bench.libs = lib.mkForce [ mixerLib ];
          exes.mixer-audio.libs = lib.mkForce [ mixerLib ];
          tests.mixer-test.libs = lib.mkForce [ mixerLib ];
          # The golden vectors lie outside the package; the suite gets a store copy.
          tests.mixer-test.preCheck = "export RS_IN_HS_FIXTURES=${../examples/mixer/golden}";
        };
        packages.minimal.components = {
          library.libs = lib.mkForce [ minimalLib ];
          exes.minimal.libs = lib.mkForce [ minimalLib ];
        };
        # The script host's programs are linked with -dynamic, against the shared
        # Haskell libraries and the engine's .so (alone in its folder, so the link
        # cannot pick the .a), as the justfile's dynamic build does: the interpreter
        # then loads the very libraries the program runs on.
        packages.mixer-script.components =
          let
            dynamic = {
              libs = lib.mkForce [ mixerSharedLib ];
              enableExecutableDynamic = true;
            };
          in
          {
            exes.rs-in-hs-script = dynamic;
            exes.mixer-script-figures = dynamic;
            tests.mixer-script-test = dynamic;
          };
      }
    ];
  };

  inherit (project.hsPkgs)
    rs-in-hs-probe
    mixer
    minimal
    mixer-script
    ;

  # hint needs a GHC library directory at run time whose package database holds the
  # script API package and everything it depends on: this GHC's. Its mixer-script is
  # the same build the host links, so both load the same shared libraries.
  scriptGhc = project.ghcWithPackages (ps: [ ps.mixer-script ]);

  # bin/rs-in-hs-script, told where that library directory is.
  scriptHost = pkgs.runCommand "rs-in-hs-script" { nativeBuildInputs = [ pkgs.makeWrapper ]; } ''
    makeWrapper ${mixer-script.components.exes.rs-in-hs-script}/bin/rs-in-hs-script \
      "$out/bin/rs-in-hs-script" \
      --add-flags "--ghc-libdir $(${scriptGhc}/bin/ghc --print-libdir)"
  '';

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

  library = project.hsPkgs.rs-in-hs.components.library;
  bench = mixer.components.exes.mixer-bench;
  inherit scriptHost;

  checks = {
    # The bridge library on its own: it builds without any engine.
    hs-bridge = project.hsPkgs.rs-in-hs.components.library;
    # `checks.<test-suite>` RUNS the suite (components.tests.* only builds it).
    hs-test = rs-in-hs-probe.checks.rs-in-hs-test;
    # The suite linked without -threaded: withRust must refuse it.
    hs-test-nonthreaded = rs-in-hs-probe.checks.rs-in-hs-nonthreaded;
    # The mixer's golden vectors and schema checks.
    hs-mixer-test = mixer.checks.mixer-test;
    # The benchmark is built, not run: its timings mean nothing in a build sandbox.
    bench-build = mixer.components.exes.mixer-bench;
    # The demo and realtime programs are built, not run: they play in real time.
    audio-build = mixer.components.exes.mixer-audio;
    # The soak is built here; it runs in .ci/run and under `just soak`.
    soak-build = rs-in-hs-probe.components.exes.rs-in-hs-soak;
    # The script host's suite, run from its package folder (it loads the scripts
    # there and in examples/scripts), with the library directory of scriptGhc.
    hs-script-test = pkgs.runCommand "hs-script-test" { } ''
      cd ${../.}/examples/mixer/script
      export MIXER_SCRIPT_GHC_LIBDIR=$(${scriptGhc}/bin/ghc --print-libdir)
      ${mixer-script.components.tests.mixer-script-test}/bin/mixer-script-test | tee "$out"
    '';
    # An example script, run by the wrapped host.
    script-run = pkgs.runCommand "script-run" { } ''
      ${scriptHost}/bin/rs-in-hs-script ${../examples/scripts/gain-ramp.hs} | tee "$out"
      grep -qx 'ramp done' "$out"
    '';
    # The README's walk-through: the minimal host runs and prints its total.
    minimal-run = pkgs.runCommand "minimal-run" { } ''
      ${minimal.components.exes.minimal}/bin/minimal | tee "$out"
      grep -qx 'total: 42' "$out"
    '';
  };

  # GHC with every dependency of every component of every package preinstalled, plus
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
