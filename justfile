# rs-in-hs: the everyday interface. `just` lists the recipes.

set shell := ["bash", "-euo", "pipefail", "-c"]

# cabal-install 3.4 with its default config tries to download the Hackage index,
# which is unreachable here. A config with no `repository` stanza makes it resolve
# everything from Debian's global package db instead.
export CABAL_DIR := justfile_directory() / ".cabal"

# Cargo's output: each engine's static library, and the mixer's shared one (cdylib).
rs_lib_dir := justfile_directory() / "target/release"
# Links to the static libraries only. A linker that finds a .so beside the .a picks
# the .so, so the static build looks here and never sees the mixer's .so.
static_lib_dir := rs_lib_dir / "static"
# Where cabal builds: dist-newstyle for the machine's GHC. scripts/test-ghc sets
# RS_IN_HS_BUILDDIR to dist-newstyle/ghc-<version> for each other GHC, so that two
# GHCs never share a build folder.
build_dir := env("RS_IN_HS_BUILDDIR", justfile_directory() / "dist-newstyle")
# The static build (build_dir): the bridge's tests and soak, the mixer's benchmark
# and tests, the minimal example, each with its engine linked in.
cabal := "cabal --project-file=" + justfile_directory() / "cabal.project" + " --builddir=" + build_dir + " --extra-lib-dirs=" + static_lib_dir
static_packages := "rs-in-hs rs-in-hs-probe mixer minimal"
# The dynamic build (build_dir/dynamic): the script host, linked with -dynamic
# against shared Haskell libraries and the mixer's .so (found through the runpath
# GHC writes), so that the interpreter loads the very libraries the host runs on.
cabal_dynamic := "cabal --project-file=" + justfile_directory() / "cabal.project" + " --builddir=" + build_dir / "dynamic" + " --enable-shared --enable-executable-dynamic --extra-lib-dirs=" + rs_lib_dir
# The dynamic build's in-place package database, where the script interpreter finds
# the mixer-script package (the GHC version is filled in by the recipes).
script_db := build_dir / "dynamic/packagedb/ghc-"

# List the recipes.
default:
    @just --list --unsorted

# Build the Rust libraries of every engine (release): the static ones, linked from
# static_lib_dir, and the mixer's shared one.
[doc("Build the Rust libraries of every engine (release): the static ones and the mixer's shared one.")]
build-rs:
    cargo build --release --workspace
    mkdir -p {{ static_lib_dir }}
    cd {{ static_lib_dir }} && for lib in ../lib*.a; do ln -sf "$lib" .; done

# Build the statically linked Haskell packages (bridge, probe tests and soak, mixer
# demo, minimal example).
[doc("Build the statically linked Haskell packages (bridge, probe tests and soak, mixer demo, minimal example).")]
build-hs: build-rs _build-hs

# The static build alone, against the Rust libraries already built (the root file
# systems of scripts/test-ghc have no cargo).
_build-hs: _cabal-config
    #!/usr/bin/env bash
    set -euo pipefail
    # cabal does not track extra-libraries, so a new Rust lib alone relinks nothing.
    # For each linked component that is missing or older than any engine lib, remove
    # the binary (so GHC links again) and the component's build cache (so cabal runs
    # GHC at all): the binary is <component>/build/<name>/<name>, the cache
    # <component>/cache/build.
    newest=$(ls -tL {{ static_lib_dir }}/lib*.a | head -n 1)
    for component in rs-in-hs-probe:test:rs-in-hs-test rs-in-hs-probe:test:rs-in-hs-nonthreaded \
        rs-in-hs-probe:exe:rs-in-hs-soak mixer:exe:mixer-bench mixer:exe:mixer-audio mixer:test:mixer-test minimal:exe:minimal; do
      bin=$({{ cabal }} list-bin --enable-tests "$component" 2>/dev/null | tail -n 1)
      if [ ! -f "$bin" ] || [ "$newest" -nt "$bin" ]; then
        rm -f "$bin" "$(dirname "$(dirname "$(dirname "$bin")")")/cache/build"
      fi
    done
    {{ cabal }} build {{ static_packages }} --enable-tests

# Build the script host (dynamically linked; no relink is needed when the mixer's
# .so changes): the rs-in-hs-script library, the mixer's Script API, the
# rs-in-hs-script executable, its tests and its figures.
[doc("Build the dynamically linked script host: its library, the mixer's Script API, the executable, tests and figures.")]
build-script: build-rs _build-script

# The dynamic build alone, against the Rust libraries already built.
_build-script: _cabal-config
    {{ cabal_dynamic }} build rs-in-hs-script mixer-script --enable-tests

# Build everything: the static programs and the dynamic script host.
build: build-rs build-hs build-script

# Run the Rust tests of every crate (unit, behaviour, golden, generated-code checks),
# and the ignored ones: tests too big for valgrind (`just memcheck`).
[doc("Run the Rust tests of every crate, the ones too big for valgrind included.")]
test-rs:
    cargo test --workspace
    # The thread-limit tests, each in a process of its own: the thread ids one leaves
    # free are handed to the next one's threads, its own test thread included.
    cargo test -p rs-in-hs --lib -- --ignored --exact handles::tests::threads_beyond_the_limit_are_refused_and_the_others_served
    cargo test -p rs-in-hs --lib -- --ignored --exact handles::tests::a_guard_dropped_by_a_thread_without_an_id_leaves_the_use_answered

# Run the Haskell test suites (the bridge's hspec suites, the one linked without
# -threaded, the mixer's golden tests), the bridge's suite again pinned to one CPU
# (where a lone caller polls by yielding the CPU to the worker, which never spins)
# and once more with one capability (where callers poll between yields of it), and
# the minimal example.
[doc("Run the Haskell test suites: threaded, non-threaded, pinned, one capability, golden, the minimal example.")]
test-hs: build-rs _test-hs

# The Haskell test suites and the minimal example alone, against the Rust libraries
# already built.
_test-hs: _build-hs
    {{ cabal }} test rs-in-hs-probe mixer --enable-tests
    cd probe/hs && suite="$({{ cabal }} list-bin --enable-tests rs-in-hs-probe:test:rs-in-hs-test | tail -n 1)" && taskset -c 0 "$suite" && "$suite" +RTS -N1
    {{ cabal }} run minimal:exe:minimal

# Run the script host's tests: refusals, escapes, hostile scripts, bounds, one engine,
# reloads, the example scripts.
[doc("Run the script host's suite: loading, refusals, reloads, the example scripts.")]
test-script: build-rs _test-script

# The script host's tests alone, against the Rust libraries already built.
_test-script: _build-script
    MIXER_SCRIPT_PACKAGE_DB={{ script_db }}$(ghc --numeric-version) {{ cabal_dynamic }} test mixer-script --enable-tests

# Build and run the C program that links two engines (examples/duo/c: the probe and
# the counter, bundled in libduo_engines.a) and drives both.
[doc("Build and run the C program that links two engines (examples/duo/c) and drives both.")]
test-c: build-rs _test-c

# The C program alone, against the Rust libraries already built.
_test-c:
    mkdir -p {{ build_dir }}
    cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -O1 -o {{ build_dir }}/two_engines \
      examples/duo/c/two_engines.c {{ static_lib_dir }}/libduo_engines.a -lpthread -ldl -lm
    {{ build_dir }}/two_engines

# Build and run the Haskell program that hosts two engines (examples/duo/hs: the
# probe and the counter through their packages, built with the flag bundled, and
# libduo_engines.a), in a cabal project of its own (examples/duo/cabal.project).
[doc("Build and run the Haskell program that hosts two engines (examples/duo/hs).")]
test-duo: build-rs _test-duo

# The two-engine program alone, against the Rust libraries already built.
_test-duo: _cabal-config
    #!/usr/bin/env bash
    set -euo pipefail
    cabal="cabal --project-file={{ justfile_directory() }}/examples/duo/cabal.project --builddir={{ build_dir }}/duo --extra-lib-dirs={{ static_lib_dir }}"
    # As in _build-hs: relink when the bundle is newer than the program.
    bin=$($cabal list-bin duo:test:duo-test 2>/dev/null | tail -n 1)
    if [ ! -f "$bin" ] || [ {{ static_lib_dir }}/libduo_engines.a -nt "$bin" ]; then
      rm -f "$bin" "$(dirname "$(dirname "$(dirname "$bin")")")/cache/build"
    fi
    $cabal test duo

# Run every test suite.
test: test-rs test-hs test-c test-duo test-script

# Build and run the Haskell suites (test-hs, test-script, test-duo) and the README's
# walk-through with GHC VERSION: 9.0 (Debian 12, this machine), 9.6 (Debian 13) or
# 9.10 (Debian sid), the last two in a root file system of their release (made on first
# use, under /var/cache/rs-in-hs/roots; RS_IN_HS_ROOTS moves it).
[doc("Build and run the Haskell suites and the README's walk-through with GHC VERSION (9.0, 9.6 or 9.10).")]
test-ghc version: build-rs
    scripts/test-ghc {{ version }}

# test-ghc on every GHC that CI tests.
test-ghcs: build-rs
    scripts/test-ghc

# Run a mixer script FILE with the script host (examples/scripts/ has some); add
# --watch to reload it on each change.
[no-cd]
[doc("Run a mixer script FILE with the script host (--watch reloads it on each change).")]
script *args: build-script
    @{{ cabal_dynamic }} run -v0 mixer-script:exe:rs-in-hs-script -- --package-db {{ script_db }}$(ghc --numeric-version) {{ args }}

# The script host's figures: script load time, call latency from a script and from the
# host, reloads of hostile scripts, a compile bomb's load, memory around a memory hog.
[doc("The script host's figures: load time, call latency, hostile reloads, a compile bomb, a memory hog.")]
script-figures: build-script
    cd examples/mixer/script && MIXER_SCRIPT_PACKAGE_DB={{ script_db }}$(ghc --numeric-version) {{ cabal_dynamic }} run -v0 mixer-script:exe:mixer-script-figures

# Regenerate the Haskell protocol modules from the Rust protocols (each crate's
# tests/generated.rs writes its module), then check them.
[doc("Regenerate the Haskell protocol modules from the Rust protocols, then check them.")]
gen:
    RS_IN_HS_GEN=write cargo test --workspace --test generated
    cargo test --workspace --test generated

# Regenerate the fixtures: the mixer's golden vectors and schema text
# (examples/mixer/golden/: Rust writes from-rust.txt and schema.txt, Haskell writes
# from-haskell.txt) and the C ABI's shared constants (bridge/fixtures/status.txt and
# abi.txt, written by Rust); then both sides check them.
[doc("Regenerate the golden vectors, schema text and C ABI fixtures; then both sides check them.")]
golden: build-hs
    RS_IN_HS_GOLDEN=write cargo test -p mixer-engine --test golden -- is_current
    RS_IN_HS_GOLDEN=write cargo test -p rs-in-hs-probe --test status_codes
    RS_IN_HS_GOLDEN=write {{ cabal }} test mixer:test:mixer-test --enable-tests --test-options='--match "/golden vectors/from-haskell.txt is current/"'
    cargo test -p mixer-engine --test golden
    cargo test -p rs-in-hs-probe --test status_codes
    {{ cabal }} test rs-in-hs-probe mixer --enable-tests

# Run the mixer demo's benchmark: the seed's 100k concurrent callers (extra arguments go to it).
run *args: build-hs
    {{ cabal }} run mixer:exe:mixer-bench -- {{ args }}

# Render SECONDS of the mixer to a WAV file (default mixdown.wav) while Haskell
# automates a gain ramp on it, -40 dB to 0 dB (extra arguments go to it, e.g. --out FILE).
[doc("Render SECONDS of the mixer to a WAV file while Haskell ramps a gain (extra arguments go to it).")]
demo seconds="4" *args: build-hs
    {{ cabal }} run mixer:exe:mixer-audio -- demo --seconds {{ seconds }} {{ args }}

# The realtime figures: SECONDS on the null device with 256 Haskell callers storming
# the control path and a subscriber reading the events (extra arguments go to it).
[doc("The realtime figures: SECONDS on the null device under a storm of 256 callers and an events subscriber.")]
realtime seconds="60" *args: build-hs
    {{ cabal }} run mixer:exe:mixer-audio -- realtime --seconds {{ seconds }} {{ args }}

# Run every benchmark mode: floor, latency percentiles, throughput, cast flood, seed.
bench *args: build-hs
    {{ cabal }} run mixer:exe:mixer-bench -- all {{ args }}

# The same, pinned to one core (taskset -c 0): the setting the latency targets use.
bench-pinned *args: build-hs
    taskset -c 0 $({{ cabal }} list-bin mixer:exe:mixer-bench | tail -n 1) all {{ args }}

# The soak: 1,000,000 Echo calls to the probe engine from 256 callers, a quarter
# cancelled mid-call, beside a cast flood; fails on any lost or crossed reply or leak
# (extra arguments go to it).
[doc("The soak: 1,000,000 calls from 256 callers with cancellations and a cast flood; fails on any loss or leak.")]
soak *args: build-hs
    {{ cabal }} run rs-in-hs-probe:exe:rs-in-hs-soak -- {{ args }}

# Fuzz the request decoding and the exports (cargo-fuzz, AddressSanitizer), SECONDS
# per target; prints executions, coverage and crashes.
[doc("Fuzz the request decoding and the exports for SECONDS per target (cargo-fuzz, AddressSanitizer).")]
fuzz seconds="600":
    scripts/fuzz {{ seconds }}

# Run the Rust tests, then a small soak, under valgrind memcheck: zero errors and no
# definite or indirect leak, or it fails.
[doc("Run the Rust tests and a small soak under valgrind memcheck: no error and no leak, or it fails.")]
memcheck: build-hs
    scripts/memcheck "$({{ cabal }} list-bin rs-in-hs-probe:exe:rs-in-hs-soak | tail -n 1)"

# Lint Rust (clippy, rustfmt, rustdoc) and Haskell (ormolu, hlint), and check that
# the bridge's packages could be published.
[doc("Lint Rust and Haskell, and check that the bridge's packages could be published.")]
lint: lint-rs lint-hs package-check

# clippy, rustfmt and rustdoc, all with warnings as errors.
lint-rs:
    cargo clippy --workspace --all-targets -- -D warnings
    cargo clippy -p mixer-engine --all-targets --features cpal -- -D warnings
    cargo fmt --all --check
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
    cargo clippy --manifest-path probe/rs/fuzz/Cargo.toml --all-targets -- -D warnings
    cargo fmt --manifest-path probe/rs/fuzz/Cargo.toml --check

# ormolu (check mode) and hlint over the Haskell sources, generated modules included.
lint-hs:
    ormolu --mode check $(git ls-files '*.hs')
    hlint $(git ls-files '*.hs')

# The bridge's packages pass their registries' checks: `cargo package` (which builds
# the packaged crate) and `cabal check`.
[doc("Check the bridge's packages as their registries would (cargo package, cabal check).")]
package-check:
    cargo package -p rs-in-hs --allow-dirty --quiet
    cd bridge/hs && cabal check
    cd bridge/hs-quickcheck && cabal check
    cd bridge/hs-testing && cabal check

# Format Rust and Haskell sources in place.
fmt:
    cargo fmt --all
    cargo fmt --manifest-path probe/rs/fuzz/Cargo.toml
    ormolu --mode inplace $(git ls-files '*.hs')

# Lints, every test suite and the offline Nix checks (.ci/run also runs the bounded reliability checks).
check: lint test nix-lint

# Offline checks of the Nix files and the workflow (parse, deadnix, nixfmt, lock, actionlint).
nix-lint:
    scripts/check-nix

# Build every Nix check: the Rust tests and lints, the Haskell suites, the program builds and runs.
nix-check:
    nix flake check -L

# Build the mixer benchmark with Nix (./result/bin/mixer-bench).
nix-build:
    nix build -L .#default

# Run the Nix-built benchmark (extra arguments go to it).
nix-run *args:
    nix run .#default -- {{ args }}

# Enter the Nix dev shell: cargo, rustc, clippy, rustfmt, GHC, cabal, just, hlint, ormolu.
nix-develop:
    nix develop

# Remove build outputs.
clean:
    cargo clean
    rm -rf dist-newstyle

# Write .cabal/config with no repository stanza (Hackage is unreachable; see the top).
_cabal-config:
    @mkdir -p "$CABAL_DIR" && [ -f "$CABAL_DIR/config" ] || echo "jobs: 2" > "$CABAL_DIR/config"
