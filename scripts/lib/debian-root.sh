# Helpers for scripts that run something in a fresh Debian 12 root made with debootstrap
# (scripts/fresh-root-test.sh, scripts/package-test.sh). Source it; run as root.
#   debian_root_make ROOT [PACKAGES]   debootstrap a minimal bookworm into ROOT (kept if there)
#   debian_root_enter ROOT             mount proc, sys, dev into ROOT (undone on exit)
#   debian_root_run ROOT COMMAND       run COMMAND with bash in ROOT, a clean environment

debian_root_mirror=${KILN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
debian_root_mounted=()

debian_root_make() {
  local root=$1 include=${2:-ca-certificates}
  [ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 2; }
  command -v debootstrap >/dev/null ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  if [ ! -x "$root/usr/bin/apt-get" ]; then
    echo "== debootstrap bookworm into $root"
    debootstrap --variant=minbase --include="$include" bookworm "$root" "$debian_root_mirror" \
      > "$root.debootstrap.log" 2>&1 || { tail -20 "$root.debootstrap.log"; exit 1; }
  fi
}

debian_root_cleanup() {
  local i
  for ((i = ${#debian_root_mounted[@]} - 1; i >= 0; i--)); do
    umount -l "${debian_root_mounted[$i]}" 2>/dev/null || true
  done
  debian_root_mounted=()
}

debian_root_enter() {
  local root=$1 fs
  trap debian_root_cleanup EXIT
  for fs in proc sys dev dev/pts; do
    mkdir -p "$root/$fs"
    case $fs in
      proc) mount -t proc proc "$root/proc" ;;
      sys) mount -t sysfs sys "$root/sys" ;;
      *) mount --bind "/$fs" "$root/$fs" ;;
    esac
    debian_root_mounted+=("$root/$fs")
  done
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  if [ -e /etc/apt/sources.list.d/debian.sources ]; then
    cp /etc/apt/sources.list.d/debian.sources "$root/etc/apt/sources.list.d/"
  fi
}

debian_root_run() {
  local root=$1
  shift
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    bash -c "$*"
}
