# Shared by scripts/test, scripts/mount and scripts/bench: install what a fresh Debian 12 machine
# lacks, then configure and build.  Source it; it defines functions only.

# What building and mounting need; mingw-w64 builds sectionfs-bridge's Windows helper (users
# bring their own wine or Proton); liburing-dev serves requests over io_uring (-o io_uring=);
# libsystemd-dev tells systemd when the mount is ready (sd_notify); scdoc builds the manual pages
# and man-db reads them (man sectionfs).
SECTIONFS_PACKAGES=(meson ninja-build pkg-config gcc g++ libc6-dev libfuse3-dev fuse3 libcunit1-dev
                    python3 attr util-linux procps gcc-mingw-w64-x86-64 liburing-dev
                    libsystemd-dev scdoc man-db)
# What scripts/test needs on top: gcc 12's sanitizer runtimes, a wine for the bridge suite, and
# for the lang suite numpy for the system's python3 and xxd (a JDK and Node.js are not installed:
# their tests are skipped without them).
SECTIONFS_TEST_PACKAGES=(libasan8 libubsan1 wine64 python3-numpy xxd)

say() { printf '%s\n' "$*" >&2; }

# Installs the Debian packages that are missing (as root, with apt-get): SECTIONFS_PACKAGES and
# any named as arguments.
sectionfs_install_packages() {
	local missing=() p
	for p in "${SECTIONFS_PACKAGES[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		say "sectionfs needs these packages: ${missing[*]}"
		say "install them as root: apt-get install ${missing[*]}"
		return 1
	fi
	say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || true
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Makes sure /dev/fuse exists (the fuse module may need loading in a fresh VM).
sectionfs_ensure_fuse_device() {
	[ -c /dev/fuse ] && return 0
	modprobe fuse 2>/dev/null || true
	[ -c /dev/fuse ] || { say "no /dev/fuse: this kernel has no FUSE"; return 1; }
}

# Configures (once) and builds into $1 with warnings as errors.
sectionfs_build() {
	local builddir=$1
	if [ ! -f "$builddir/build.ninja" ]; then
		meson setup "$builddir" -Dwerror=true --buildtype=debugoptimized >&2
	fi
	meson compile -C "$builddir" >&2
}

# Configures (once) $1 with AddressSanitizer and UndefinedBehaviorSanitizer in every program and
# in libwinmap (b_lundef off: a shared library leaves the runtime's symbols to the program), and
# builds what the tests of the suites $2... need, nothing else.
sectionfs_build_sanitized() {
	local builddir=$1 targets
	shift
	if [ ! -f "$builddir/build.ninja" ]; then
		meson setup "$builddir" -Dwerror=true --buildtype=debugoptimized -Dtests=true \
			-Db_sanitize=address,undefined -Db_lundef=false >&2 || return 1
	fi
	ninja -C "$builddir" build.ninja >&2 || return 1      # meson files changed: reconfigure first
	targets=$(meson introspect "$builddir" --tests --targets | python3 -c '
import json, os, sys
builddir, suites = sys.argv[1], set(sys.argv[2:])
info = json.load(sys.stdin)
files = {t["id"]: t["filename"] for t in info["targets"]}
for test in info["tests"]:
    if suites & {s.split(":")[-1] for s in test["suite"]}:
        for dep in test["depends"]:
            for f in files.get(dep, []):
                print(os.path.relpath(f, builddir))
' "$builddir" "$@" | sort -u) || return 1
	[ -n "$targets" ] || return 0
	# shellcheck disable=SC2086  # one target a word; paths in a build directory have no spaces
	ninja -C "$builddir" $targets >&2
}

# FUSE over io_uring needs the kernel's switch (README, "Requests over io_uring"), which the test
# and the benchmark turn on for one run only and put back after it.
SECTIONFS_URING_PARAM=/sys/module/fuse/parameters/enable_uring
sectionfs_uring_before=

# Can the daemon $1 serve over io_uring here (this kernel has it, the build has liburing, and the
# switch may be turned)?
sectionfs_uring_usable() {
	[ -w "$SECTIONFS_URING_PARAM" ] && "$1" --version | grep -q io_uring
}

sectionfs_uring_switch_on() {
	sectionfs_uring_before=$(cat "$SECTIONFS_URING_PARAM")
	echo Y > "$SECTIONFS_URING_PARAM"
}

# Puts the switch back as sectionfs_uring_switch_on found it (nothing if it did not turn it).
sectionfs_uring_switch_restore() {
	[ -n "$sectionfs_uring_before" ] && echo "$sectionfs_uring_before" > "$SECTIONFS_URING_PARAM"
	sectionfs_uring_before=
}
