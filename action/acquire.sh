# How the actions in this repository get their binary (comwit-deploy for
# the deploy action at the root, comwit-sandbox for ./sandbox): a prebuilt
# release asset verified against the sums committed in
# action/release-assets.sha256 and kept in the tool cache; otherwise built
# from the action's own source with cargo and kept in the Actions cache.
#
#   acquire.sh find  NAME CRATE_DIR   the asset, or the cache key to build under
#   acquire.sh build NAME CRATE_DIR   the source build (after actions/cache)
#
# Environment: ACTION_ROOT (the repository the action runs from),
# ACTION_REPOSITORY, and for `find` FEATURES (cargo features, may be
# empty); for `build` ROOT and FEATURES (the outputs of `find`). Outputs
# go to GITHUB_OUTPUT: `bin` (empty when a build is needed), `source-key`,
# `source-root`, `features`.
set -euo pipefail
step=$1 name=$2 crate=$3

exe=$name
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  Windows/X64) target=x86_64-pc-windows-msvc; exe=$name.exe ;;
  *) target=unknown ;;
esac
sha256() { if command -v sha256sum >/dev/null 2>&1; then sha256sum | cut -d' ' -f1; else shasum -a 256 | cut -d' ' -f1; fi; }
cache="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/$name"

# The asset listed for this runner, downloaded once and verified: its
# path in `found` (empty when there is none to use).
found=""
prebuilt() {
  local sums="$ACTION_ROOT/action/release-assets.sha256" line want asset version dir url tmp got
  [ -f "$sums" ] || return 0
  line=$(grep -E "^[0-9a-f]{64}  $name-[0-9A-Za-z.+-]+-${target}\.tar\.gz$" "$sums" | head -n 1 || true)
  [ -n "$line" ] || return 0
  want=${line%% *}
  asset=${line##* }
  version=${asset#"$name"-}
  version=${version%-"$target".tar.gz}
  dir="$cache/$version/$target"
  if [ -f "$dir.complete" ] && [ -x "$dir/$exe" ]; then
    echo "$name $version ($target) from the tool cache"
    found="$dir/$exe"
    return 0
  fi
  url="${GITHUB_SERVER_URL:-https://github.com}/${ACTION_REPOSITORY:-comwit/deploy}/releases/download/v${version}/${asset}"
  tmp=$(mktemp -d)
  if ! curl -fsSL --retry 3 --connect-timeout 10 -o "$tmp/$asset" "$url"; then
    echo "::warning title=$name asset unavailable::could not download $url; building from source instead (takes minutes)"
    rm -rf "$tmp"
    return 0
  fi
  got=$(sha256 < "$tmp/$asset")
  if [ "$got" != "$want" ]; then
    echo "::error title=$name download rejected::$asset has sha256 $got but action/release-assets.sha256 expects $want: the download was altered or the sums are wrong, so it is not run. Pin the action to a release tag, or report it."
    rm -rf "$tmp"
    exit 1
  fi
  mkdir -p "$dir"
  tar -xzf "$tmp/$asset" -C "$dir"
  chmod +x "$dir/$exe"
  touch "$dir.complete"
  rm -rf "$tmp"
  echo "$name $version ($target): downloaded, sha256 verified"
  found="$dir/$exe"
}

find_binary() {
  local key
  prebuilt
  if [ -z "$found" ]; then
    # No prebuilt asset: the next steps build from source, cached across
    # jobs by runner OS/arch, the features and a hash of the sources it
    # builds from (a changed action rebuilds).
    key=$(cd "$ACTION_ROOT" && { find Cargo.toml Cargo.lock "$crate" shared-client -type f \( -name '*.rs' -o -name 'Cargo.toml' -o -name 'Cargo.lock' \) -print0 2>/dev/null || true; } | LC_ALL=C sort -z | xargs -0 cat | sha256 | cut -c1-16)
    key="$key${FEATURES:+-$FEATURES}"
    echo "features=${FEATURES:-}" >> "$GITHUB_OUTPUT"
    echo "source-key=$key" >> "$GITHUB_OUTPUT"
    echo "source-root=$cache/source-$key/${RUNNER_ARCH:-unknown}" >> "$GITHUB_OUTPUT"
  fi
  echo "bin=$found" >> "$GITHUB_OUTPUT"
}

build_binary() {
  if [ -f "$ROOT/.complete" ] && [ -x "$ROOT/bin/$exe" ]; then
    echo "$name built from source earlier, restored from the cache"
  else
    if ! command -v cargo >/dev/null 2>&1; then
      echo "::error title=$name unavailable::no prebuilt $name for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?} in action/release-assets.sha256 and no cargo on this runner to build it: use a runner with Rust installed (GitHub-hosted runners have it)"
      exit 1
    fi
    echo "::notice title=Building $name::no prebuilt asset for ${RUNNER_OS:-?}/${RUNNER_ARCH:-?} in this version of the action; building it with cargo install (a few minutes, once per cache key)"
    cargo install --locked --path "$ACTION_ROOT/$crate" --root "$ROOT" --bin "$name" ${FEATURES:+--features "$FEATURES"}
    touch "$ROOT/.complete"
  fi
  echo "bin=$ROOT/bin/$exe" >> "$GITHUB_OUTPUT"
}

case "$step" in
  find) find_binary ;;
  build) build_binary ;;
  *) echo "usage: acquire.sh find|build NAME CRATE_DIR" >&2; exit 2 ;;
esac
