# rs-in-hs: the everyday interface. `just` lists the recipes.

set shell := ["bash", "-euo", "pipefail", "-c"]

# cabal-install 3.4 with its default config tries to download the Hackage index,
# which is unreachable here. A config with no `repository` stanza makes it resolve
# everything from Debian's global package db instead.
export CABAL_DIR := justfile_directory() / ".cabal"

rs_lib_dir := justfile_directory() / "rs/target/release"
cabal := "cabal --project-file=" + justfile_directory() / "hs/cabal.project.debian" + " --extra-lib-dirs=" + rs_lib_dir

# List the recipes.
default:
    @just --list --unsorted

# Build the Rust static library (release).
build-rs:
    cargo build --release --manifest-path rs/Cargo.toml

# Build the Haskell library, both test suites, the benchmark and the soak, linked with the Rust library.
build-hs: build-rs _cabal-config
    #!/usr/bin/env bash
    set -euo pipefail
    cd hs
    # cabal does not track extra-libraries, so a new Rust lib alone relinks nothing.
    # For each linked component that is missing or older than the lib, remove the
    # binary (so GHC links again) and the component's build cache (so cabal runs GHC
    # at all): the binary is <component>/build/<name>/<name>, the cache
    # <component>/cache/build.
    for component in rs-in-hs-test rs-in-hs-nonthreaded rs-in-hs-bench rs-in-hs-soak; do
      bin=$({{ cabal }} list-bin --enable-tests "$component" 2>/dev/null | tail -n 1)
      if [ ! -f "$bin" ] || [ "{{ rs_lib_dir }}/librs_in_hs.a" -nt "$bin" ]; then
        rm -f "$bin" "$(dirname "$(dirname "$(dirname "$bin")")")/cache/build"
      fi
    done
    {{ cabal }} build all --enable-tests

# Build everything.
build: build-rs build-hs

# Run the Rust tests (unit and behaviour).
test-rs:
    cargo test --manifest-path rs/Cargo.toml

# Run the Haskell test suites (hspec, and the one linked without -threaded).
test-hs: build-hs
    cd hs && {{ cabal }} test --enable-tests --test-show-details=direct

# Run both test suites.
test: test-rs test-hs

# Regenerate the wire golden vectors (fixtures/wire/): Rust writes from-rust.txt and
# schema.txt, Haskell writes from-haskell.txt; then both suites' golden tests check them.
golden: build-hs
    RS_IN_HS_GOLDEN=write cargo test --manifest-path rs/Cargo.toml --test golden -- is_current
    cd hs && RS_IN_HS_GOLDEN=write {{ cabal }} test --enable-tests --test-options='--match "/wire/golden vectors/from-haskell.txt is current/"'
    cargo test --manifest-path rs/Cargo.toml --test golden
    cd hs && {{ cabal }} test --enable-tests --test-options='--match "/wire/golden vectors/"'

# Run the benchmark: the seed's 100k concurrent callers (extra arguments go to it).
run *args: build-hs
    cd hs && {{ cabal }} run rs-in-hs-bench -- {{ args }}

# Run every benchmark mode: floor, latency percentiles, throughput, cast flood, seed.
bench *args: build-hs
    cd hs && {{ cabal }} run rs-in-hs-bench -- all {{ args }}

# The same, pinned to one core (taskset -c 0): the setting the latency targets use.
bench-pinned *args: build-hs
    cd hs && taskset -c 0 $({{ cabal }} list-bin rs-in-hs-bench | tail -n 1) all {{ args }}

# The soak: 1,000,000 Echo calls from 256 callers, a quarter cancelled mid-call, beside
# a cast flood; fails on any lost or crossed reply or leak (extra arguments go to it).
soak *args: build-hs
    cd hs && {{ cabal }} run rs-in-hs-soak -- {{ args }}

# Fuzz the request decoding and the exports (cargo-fuzz, AddressSanitizer), SECONDS
# per target; prints executions, coverage and crashes.
fuzz seconds="600":
    scripts/fuzz {{ seconds }}

# Run the Rust tests, then a small soak, under valgrind memcheck: zero errors and no
# definite or indirect leak, or it fails.
memcheck: build-hs
    scripts/memcheck "$(cd hs && {{ cabal }} list-bin rs-in-hs-soak | tail -n 1)"

# Lint Rust (clippy, rustfmt, rustdoc) and Haskell (ormolu, hlint).
lint: lint-rs lint-hs

# clippy, rustfmt and rustdoc, all with warnings as errors.
lint-rs:
    cargo clippy --manifest-path rs/Cargo.toml --all-targets -- -D warnings
    cargo fmt --manifest-path rs/Cargo.toml --check
    RUSTDOCFLAGS="-D warnings" cargo doc --manifest-path rs/Cargo.toml --no-deps --quiet
    cargo clippy --manifest-path rs/fuzz/Cargo.toml --all-targets -- -D warnings
    cargo fmt --manifest-path rs/fuzz/Cargo.toml --check

# ormolu (check mode) and hlint over the Haskell sources.
lint-hs:
    ormolu --mode check $(find hs/src hs/app hs/test hs/soak hs/common -name '*.hs')
    hlint hs

# Format Rust and Haskell sources in place.
fmt:
    cargo fmt --manifest-path rs/Cargo.toml
    cargo fmt --manifest-path rs/fuzz/Cargo.toml
    ormolu --mode inplace $(find hs/src hs/app hs/test hs/soak hs/common -name '*.hs')

# Lints, both test suites and the offline Nix checks (.ci/run also runs the bounded reliability checks).
check: lint test nix-lint

# Offline checks of the Nix files and the workflow (parse, deadnix, nixfmt, lock, actionlint).
nix-lint:
    scripts/check-nix

# Build every Nix check: Rust tests, clippy, rustfmt, rustdoc, both Haskell suites, benchmark and soak builds.
nix-check:
    nix flake check -L

# Build the benchmark with Nix (./result/bin/rs-in-hs-bench).
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
    cargo clean --manifest-path rs/Cargo.toml
    rm -rf hs/dist-newstyle

# Write .cabal/config with no repository stanza (Hackage is unreachable; see the top).
_cabal-config:
    @mkdir -p "$CABAL_DIR" && [ -f "$CABAL_DIR/config" ] || echo "jobs: 2" > "$CABAL_DIR/config"
