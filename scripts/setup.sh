#!/usr/bin/env bash
# Sets up everything pmm needs on a Debian 12 x86-64 machine (Ubuntu's package names are known, untried):
# packages, the guest kernel, npm dependencies, the TypeScript build and the native parts. Idempotent: each
# step is skipped when done.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# npm test and npm run demo start here from the checkout; npx pmm setup from the project that installed pmm.
setup_asked_from=$PWD
cd "$top"
# shellcheck source=scripts/lib.sh
. "$top/scripts/lib.sh"

install_packages
kver=$(guest_kernel_version)
fetch_guest_kernel "$kver"
install_npm_dependencies
build_typescript
build_native "$kver"
build_initramfs "$kver"
fetch_checkpatch "$kver"
