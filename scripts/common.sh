# Shared by test.sh and run.sh: make a fresh Debian 12 machine ready and build Sanpool.
# Source it; it defines functions and SANPOOL_ROOT and changes nothing by itself.

SANPOOL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian packages the tests and the demo drive (lvm, qemu-img, the real sanlock, losetup).
SANPOOL_PACKAGES=(lvm2 qemu-utils sanlock mount)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Installs the packages above if any is missing (apt-get update only then). Needs root.
ensure_packages() {
    local missing=() pkg
    for pkg in "${SANPOOL_PACKAGES[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return 0

    command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get to install them"
    [[ $EUID -eq 0 ]] || die "missing packages (${missing[*]}); run as root so they can be installed"
    log "installing ${SANPOOL_PACKAGES[*]} (missing: ${missing[*]})"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${SANPOOL_PACKAGES[@]}"
}

ensure_dotnet() {
    command -v dotnet >/dev/null \
        || die "the .NET SDK is not installed (need 10.0.100 or later, see global.json); install dotnet-sdk-10.0"
    (cd "$SANPOOL_ROOT" && dotnet --version >/dev/null 2>&1) \
        || die "no .NET SDK matching global.json; installed: $(dotnet --list-sdks | tr '\n' ' ')"
}

# Restores and builds the whole solution in Release.
build_solution() {
    log "restoring"
    dotnet restore "$SANPOOL_ROOT/Sanpool.slnx"
    log "building (Release)"
    dotnet build "$SANPOOL_ROOT/Sanpool.slnx" -c Release --no-restore -nologo
}

# Everything a fresh machine needs before running the tests or the demo.
prepare() {
    ensure_packages
    ensure_dotnet
    build_solution
}
