# Shared by test.sh and run.sh: make a fresh Debian 12 machine ready and build Sanpool.
# Source it; it defines functions and SANPOOL_ROOT and changes nothing by itself.

SANPOOL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Debian packages the tests and the demo drive (lvm, qemu-img, the real sanlock, losetup, and
# PostgreSQL for the engine's database tests, which run their own server in a temporary
# directory: the system cluster the package sets up is not used).
SANPOOL_PACKAGES=(lvm2 qemu-utils sanlock mount postgresql)

# What the VM tests need (qemu-system-x86_64 under TCG, a static busybox for the guest's
# initramfs). Installed without recommends: qemu-system-x86 would otherwise pull in a
# desktop's worth of display and audio libraries.
SANPOOL_VM_PACKAGES=(qemu-system-x86 busybox-static)

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Installs the packages above if any is missing (apt-get update only then). Needs root.
ensure_packages() {
    local missing=() missing_vm=() pkg
    for pkg in "${SANPOOL_PACKAGES[@]}"; do
        is_installed "$pkg" || missing+=("$pkg")
    done
    for pkg in "${SANPOOL_VM_PACKAGES[@]}"; do
        is_installed "$pkg" || missing_vm+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 && ${#missing_vm[@]} -eq 0 ]] && return 0

    command -v apt-get >/dev/null || die "missing packages (${missing[*]} ${missing_vm[*]}) and no apt-get to install them"
    [[ $EUID -eq 0 ]] || die "missing packages (${missing[*]} ${missing_vm[*]}); run as root so they can be installed"
    apt-get update
    if [[ ${#missing[@]} -gt 0 ]]; then
        log "installing ${SANPOOL_PACKAGES[*]} (missing: ${missing[*]})"
        DEBIAN_FRONTEND=noninteractive apt-get install -y "${SANPOOL_PACKAGES[@]}"
    fi
    if [[ ${#missing_vm[@]} -gt 0 ]]; then
        log "installing ${SANPOOL_VM_PACKAGES[*]} without recommends (missing: ${missing_vm[*]})"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${SANPOOL_VM_PACKAGES[@]}"
    fi
}

# The kernel, modules and initramfs the VM tests boot, cached in .cache/vm (downloads once).
ensure_vm_kit() {
    log "VM kit"
    "$SANPOOL_ROOT/scripts/vm-kit.sh"
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

# Builds the command-line tool the tests and the demo run (./sanpool, into artifacts/cli) now,
# rather than on the first call: tests give each sanpool command a timeout, and a build started
# by the first of eight tests at once, on a loaded machine, can outlast it for all of them.
build_cli() {
    log "building the sanpool CLI (artifacts/cli)"
    SANPOOL_BUILD_ONLY=1 "$SANPOOL_ROOT/sanpool"
}

# Everything a fresh machine needs before running the tests or the demo.
prepare() {
    ensure_packages
    ensure_vm_kit
    ensure_dotnet
    build_solution
    build_cli
}
