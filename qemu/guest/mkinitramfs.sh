#!/usr/bin/env bash
# Builds the guest's initramfs: busybox, our init, pmd, and the guest kernel's virtio and 9p drivers in
# dependency order. Writes build/guest.json, which tells the host side where the kernel and initramfs are.
# Usage: mkinitramfs.sh KERNEL_VERSION KERNEL_CACHE_DIR REPO_DIR
set -euo pipefail

kver=$1
kdir=$2
top=$3
out="$top/build/initramfs-$kver.cpio"
modroot="$kdir/root/lib/modules/$kver"
init="$top/qemu/guest/init"
pmd="$top/pmd/pmd"
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || busybox=/bin/busybox

# The drivers the guest needs; their dependencies are added below from modinfo.
wanted="virtio_pci virtio_console 9pnet_virtio 9p"

rebuild=
[ -f "$out" ] || rebuild=1
for f in "$init" "$pmd" "$0"; do
	if [ "$f" -nt "$out" ]; then rebuild=1; fi
done

if [ -n "$rebuild" ]; then
	echo "pmm setup: building the guest initramfs $out (busybox, pmd, the virtio and 9p modules)" >&2
	# ldd fails on a static binary; its words are what tell.
	case "$(ldd "$busybox" 2>&1 || true)" in *"not a dynamic"*) ;; *) false ;; esac ||
		{ echo "mkinitramfs: $busybox is not static (package busybox-static)" >&2; exit 1; }
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' EXIT
	mkdir -p "$stage"/{bin,dev,proc,sys,etc/pmm,lib/modules}
	cp "$busybox" "$stage/bin/busybox"
	# The applet links are made here rather than by `busybox --install` in init, which cost the guest about
	# 0.1 s of every boot under TCG.
	for applet in $("$busybox" --list); do
		[ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
	done
	cp "$pmd" "$stage/bin/pmd"
	cp "$init" "$stage/init"
	chmod 755 "$stage/init" "$stage/bin/busybox" "$stage/bin/pmd"

	# Finds a module's file (Debian ships .ko, Ubuntu compresses them); empty when it is built in.
	find_module() {
		local name=$1 alt=${1//_/-}
		find "$modroot/kernel" \( -name "$name.ko*" -o -name "$alt.ko*" \) | head -n 1
	}
	order=()
	declare -A seen=()
	add_module() {
		local name=${1//-/_}
		[ -n "${seen[$name]:-}" ] && return 0
		seen[$name]=1
		local path
		path=$(find_module "$name")
		if [ -z "$path" ]; then
			grep -q "/${name//_/[-_]}.ko" "$modroot/modules.builtin" 2>/dev/null && return 0
			echo "mkinitramfs: module $name is neither in $modroot nor built in" >&2
			exit 1
		fi
		local dep
		for dep in $(modinfo -F depends "$path" | tr ',' ' '); do
			add_module "$dep"
		done
		case "$path" in
		*.ko.xz) xz -dc "$path" >"$stage/lib/modules/$name.ko" ;;
		*.ko.zst) zstd -dcq "$path" >"$stage/lib/modules/$name.ko" ;;
		*.ko.gz) gzip -dc "$path" >"$stage/lib/modules/$name.ko" ;;
		*) cp "$path" "$stage/lib/modules/$name.ko" ;;
		esac
		order+=("$name")
	}
	for m in $wanted; do
		add_module "$m"
	done
	printf '%s\n' "${order[@]}" >"$stage/etc/pmm/modules"

	mkdir -p "$(dirname "$out")"
	# An uncompressed archive: under TCG the guest would spend longer decompressing than reading it.
	(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out.tmp"
	mv "$out.tmp" "$out"
fi

cat >"$top/build/guest.json.tmp" <<JSON
{
  "kernelVersion": "$kver",
  "kernel": "$(cat "$kdir/kernel-path")",
  "initramfs": "$out",
  "module": "$top/kernel/pmm.ko",
  "hook": "$top/hooklib/libpmm.so"
}
JSON
mv "$top/build/guest.json.tmp" "$top/build/guest.json"
