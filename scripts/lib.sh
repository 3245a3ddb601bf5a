# Set-up steps shared by scripts/setup.sh and the CI script. Each step is quiet when it has nothing to do
# and says what it does when it does something. Sourced, not run.

pmm_cache_dir() {
	echo "${PMM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pmm}"
}

say() { echo "pmm setup: $*" >&2; }
die() {
	say "error: $*"
	exit 1
}

# Whether this user may run commands as root: is root, or has password-less sudo.
may_be_root() {
	[ "$(id -u)" = 0 ] || { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; }
}

# Runs a command as root: directly when we are root, through sudo when we may. Said before the command's
# output is sent anywhere: a caller that sends it to a log would have lost the reason with it.
need_root() {
	may_be_root || die "installing needs root: run as root, or give this user password-less sudo (wanted: $*)"
}

as_root() {
	need_root "$@"
	if [ "$(id -u)" = 0 ]; then
		"$@"
	else
		sudo -n "$@"
	fi
}

is_ubuntu() {
	grep -qi '^ID=ubuntu' /etc/os-release 2>/dev/null
}

package_installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

apt_updated=
apt_update_once() {
	[ -n "$apt_updated" ] && return 0
	need_root apt-get update
	local log
	log=$(mktemp)
	if ! as_root apt-get update >"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "apt-get update failed: is the Debian/Ubuntu package mirror reachable?"
	fi
	rm -f "$log"
	apt_updated=1
}

# Downloads packages' .deb files into a folder (never installs them); on failure shows apt's last words.
# apt-get download runs as the current user; as root it warns about its _apt sandbox, harmlessly. The
# package lists as they are first: they need root to be brought up to date, only when they lack it.
apt_download() {
	local into=$1
	shift
	(cd "$into" && apt-get download "$@" >"$into/apt.log" 2>&1) && return 0
	apt_update_once
	if ! (cd "$into" && apt-get download "$@" >"$into/apt.log" 2>&1); then
		tail -n 10 "$into/apt.log" >&2
		return 1
	fi
}

# The Debian packages pmm needs, each installed only when missing.
# What pmm runs on (QEMU, the guest's tools, what builds pmm.ko, the hook and pmd, the symbolizer), and in
# pmm's own checkout what its tests and benchmarks compare with or use (valgrind, heaptrack, strace, g++,
# git, xmllint): a project that uses pmm gets only the first.
wanted_packages() {
	local headers=linux-headers-amd64
	is_ubuntu && headers=linux-headers-generic
	echo qemu-system-x86 busybox-static cpio kmod gcc make libc6-dev xz-utils zstd binutils "$headers"
	command -v llvm-symbolizer >/dev/null 2>&1 || echo llvm
	in_source_checkout && echo libxml2-utils valgrind heaptrack git g++ strace
	return 0
}

install_packages() {
	local wanted
	read -r -a wanted <<<"$(wanted_packages | tr '\n' ' ')"
	local missing=()
	local p
	for p in "${wanted[@]}"; do
		package_installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing Debian packages: ${missing[*]}"
	need_root apt-get install "${missing[@]}"
	apt_update_once
	local log
	log=$(mktemp)
	if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		rm -f "$log"
		die "apt-get install failed for: ${missing[*]}"
	fi
	rm -f "$log"
}

# The guest runs the kernel whose headers are installed, so that pmm.ko built against them inserts.
guest_kernel_version() {
	if [ -n "${PMM_KERNEL_VERSION:-}" ]; then
		echo "$PMM_KERNEL_VERSION"
		return 0
	fi
	# Several versions sort by version, not by name: take the newest.
	local kver
	kver=$(ls -d /usr/src/linux-headers-*-amd64 /usr/src/linux-headers-*-generic 2>/dev/null |
		sed 's|/usr/src/linux-headers-||' | sort -V | tail -n 1)
	[ -n "$kver" ] || die "no kernel headers under /usr/src (package linux-headers-amd64 or linux-headers-generic)"
	echo "$kver"
}

# The guest kernel and its modules, unpacked into the cache, never installed into the host's /boot.
fetch_guest_kernel() {
	local kver=$1
	local dir
	dir="$(pmm_cache_dir)/kernel/$kver"
	[ -f "$dir/.complete" ] && return 0
	say "fetching guest kernel $kver into $dir"
	rm -rf "$dir"
	mkdir -p "$dir/root"
	local dl
	dl=$(mktemp -d)
	local pkgs=("linux-image-$kver")
	if is_ubuntu; then
		pkgs=("linux-image-unsigned-$kver" "linux-modules-$kver")
	fi
	apt_download "$dl" "${pkgs[@]}" ||
		die "could not download ${pkgs[*]} (apt-get download); is the package mirror reachable?"
	local deb
	for deb in "$dl"/*.deb; do
		dpkg-deb -x "$deb" "$dir/root"
	done
	rm -rf "$dl"
	local vmlinuz="$dir/root/boot/vmlinuz-$kver"
	[ -f "$vmlinuz" ] || die "the package has no /boot/vmlinuz-$kver"
	if extract_vmlinux "$vmlinuz" "$dir/vmlinux"; then
		echo "$dir/vmlinux" >"$dir/kernel-path"
	else
		say "could not unpack vmlinux from $vmlinuz; booting the compressed image (slower under TCG)"
		echo "$vmlinuz" >"$dir/kernel-path"
	fi
	touch "$dir/.complete"
}

# Unpacks the ELF vmlinux from a bzImage, which boots through PVH with no decompression in the guest: under
# TCG that saves seconds per boot. Tries the compressors Debian and Ubuntu use.
extract_vmlinux() {
	local image=$1 out=$2
	local magic tool off
	for pair in 'FD377A585A00:xz -dc --single-stream' '28B52FFD:zstd -dcq' '1F8B08:gzip -dc'; do
		magic=${pair%%:*}
		tool=${pair#*:}
		off=$(LC_ALL=C grep -obUaP "$(echo "$magic" | sed 's/../\\x&/g')" "$image" | head -n 1 | cut -d: -f1)
		[ -n "$off" ] || continue
		tail -c +$((off + 1)) "$image" | $tool >"$out" 2>/dev/null || true
		if [ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
			return 0
		fi
	done
	rm -f "$out"
	return 1
}

# pmm's own checkout, whose set-up also brings what its tests need: not a package a project installed, in its
# node_modules, nor a checkout that a project installed as a folder (npm install /path/to/pmm links to it),
# for which set-up is asked from the project (setup_asked_from: the directory setup.sh was started in).
in_source_checkout() {
	[ -f "$top/tsconfig.json" ] || return 1
	case "$top" in */node_modules/*) return 1 ;; esac
	local from own
	from=$(realpath -m "${setup_asked_from:-$top}")
	own=$(realpath -m "$top")
	case "$from/" in "$own"/*) return 0 ;; *) return 1 ;; esac
}

# Touched each time the TypeScript in dist/ was compiled; build_typescript compiles again only when a source
# is newer.
typescript_stamp() {
	echo "$top/dist/.built"
}

install_npm_dependencies() {
	in_source_checkout || return 0
	local stamp="$top/node_modules/.package-lock.json"
	if [ -f "$stamp" ] && [ "$stamp" -nt "$top/package.json" ] &&
		{ [ ! -f "$top/package-lock.json" ] || [ "$stamp" -nt "$top/package-lock.json" ]; }; then
		return 0
	fi
	say "installing npm dependencies"
	local before
	before=$(mktemp) || die "making a temporary file failed"
	if [ -f "$top/package-lock.json" ]; then
		(cd "$top" && npm ci --no-audit --no-fund --loglevel=error >&2)
	else
		(cd "$top" && npm install --no-audit --no-fund --loglevel=error >&2)
	fi || { rm -f "$before"; return 1; }
	# npm's prepare script has just compiled the TypeScript; say so, so that build_typescript does not
	# compile it a second time. Not when scripts were off (npm's ignore-scripts) and dist/ is old.
	if [ "$top/dist/harness/index.js" -nt "$before" ]; then
		touch "$(typescript_stamp)"
	fi
	rm -f "$before"
}

# The folders tsconfig.json compiles into dist/ (the first part of each of its include globs).
typescript_folders() {
	(cd "$top" && node -p "require('./tsconfig.json').include.map((glob) => glob.split('/')[0]).join('\\n')")
}

build_typescript() {
	in_source_checkout || return 0
	local stamp folders
	stamp=$(typescript_stamp)
	folders=$(typescript_folders) || die "reading the folders tsconfig.json compiles failed"
	# Tests are compiled by ts-jest, not into dist/, so they do not count.
	# shellcheck disable=SC2086 # the folders are single words
	if [ -f "$stamp" ] && [ -z "$(cd "$top" && find $folders tsconfig.json -newer "$stamp" \
		\( -name '*.ts' -not -path '*/__tests__/*' -o -name tsconfig.json \) 2>/dev/null | head -n 1)" ]; then
		return 0
	fi
	say "compiling TypeScript"
	(cd "$top" && npx tsc -p tsconfig.json) || die "TypeScript compilation failed"
	touch "$stamp"
}

# Whether output is missing or older than a C source, header or Makefile of folder dir (a build will do work).
stale() {
	local output=$1 dir=$2
	[ ! -e "$output" ] || [ -n "$(find "$dir" -maxdepth 2 \( -name '*.[ch]' -o -name Makefile \) -newer "$output" 2>/dev/null |
		head -n 1)" ]
}

# Builds pmm.ko in the folder dir against kernel kver. Kbuild cannot build in a folder whose path holds a
# space (its M= is split there): then it builds through a link without one, which leads to the same folder.
build_module() {
	local kver=$1 dir=$2
	local kmod_dir=$dir
	if [[ $kmod_dir == *[[:space:]]* ]]; then
		kmod_dir="${TMPDIR:-/tmp}/pmm-kbuild-$(id -u)-$(printf '%s' "$dir" | sha1sum | cut -c1-12)"
		ln -sfn "$dir" "$kmod_dir" || die "linking $kmod_dir to $dir failed"
	fi
	local status=0
	stale "$dir/pmm.ko" "$dir" && say "building kernel/pmm.ko against $kver"
	# Kbuild says it skips BTF for want of the kernel's vmlinux, which pmm.ko does not need.
	make -s -C "$dir" KVER="$kver" KMOD_DIR="$kmod_dir" 2>&1 | { grep -v '^Skipping BTF generation' >&2 || true; } ||
		status=$?
	[ "$kmod_dir" = "$dir" ] || rm -f "$kmod_dir"
	[ "$status" = 0 ] || die "building kernel/pmm.ko against $kver failed"
}

# make is idempotent by itself; -s keeps it quiet when there is nothing to do.
build_native() {
	local kver=$1
	local part parts=(hooklib pmd)
	# The fixtures are pmm's own tests' programs.
	in_source_checkout && parts+=(fixtures)
	build_module "$kver" "$top/kernel"
	stale "$top/hooklib/libpmm.so" "$top/hooklib" && say "building the hook, hooklib/libpmm.so"
	stale "$top/pmd/pmd" "$top/pmd" && say "building the guest daemon, pmd/pmd"
	for part in "${parts[@]}"; do
		make -s -C "$top/$part" >&2 || die "building $part failed"
	done
}

build_initramfs() {
	local kver=$1
	bash "$top/qemu/guest/mkinitramfs.sh" "$kver" "$(pmm_cache_dir)/kernel/$kver" "$top" ||
		die "building the guest initramfs failed"
}

# The kernel's checkpatch.pl and the data files it reads, for kernel/__tests__/checkpatch.test.ts. The headers
# package lacks them, so they come once from the matching Debian linux-source package (about 140 MB, kept
# only until the three files are out). Best effort: without them that test says so and is skipped.
fetch_checkpatch() {
	in_source_checkout || return 0
	local kver=$1
	local dir
	dir="$(pmm_cache_dir)/checkpatch"
	[ -f "$dir/.complete" ] && return 0
	local series pkg dl log
	series=$(echo "$kver" | cut -d. -f1,2)
	pkg="linux-source-$series"
	say "fetching checkpatch.pl from $pkg into $dir"
	dl=$(mktemp -d)
	log="$dl/tar.log"
	if ! apt_download "$dl" "$pkg"; then
		say "could not download $pkg; the checkpatch test will be skipped"
		rm -rf "$dl"
		return 0
	fi
	mkdir -p "$dir"
	# The package holds the source as one tarball; only three of its files are wanted.
	if ! dpkg-deb --fsys-tarfile "$dl"/*.deb | tar -xO "./usr/src/$pkg.tar.xz" |
		tar -xJ -C "$dir" --strip-components=2 "$pkg/scripts/checkpatch.pl" \
			"$pkg/scripts/spelling.txt" "$pkg/scripts/const_structs.checkpatch" 2>"$log"; then
		tail -n 5 "$log" >&2
		say "could not unpack checkpatch.pl from $pkg; the checkpatch test will be skipped"
		rm -rf "$dl"
		return 0
	fi
	rm -rf "$dl"
	touch "$dir/.complete"
}
