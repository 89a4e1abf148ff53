#!/usr/bin/env bash
# mmdebstrap customize hook: turn a Debian tree into the kiosk's read-only root.
#   customize-rootfs.sh ROOT ARCH full|quick|ci WHEELDIR
set -euo pipefail
ROOT=$1
ARCH=$2
MODE=$3
WHEELS=$4
HERE=$(cd "$(dirname "$0")/.." && pwd)
VENV=/opt/jhcis-kiosk/venv
KIOSK_UID=901      # fixed: files on /data must stay owned by the same user in every slot
ADMIN_UID=1000
in_root() { chroot "$ROOT" "$@"; }
# Packages needed only while building: installed, used by COMMAND, then purged together
# with everything they brought (not only themselves: autoremove keeps what other
# packages merely recommend, such as gcc for libdpkg-perl).
#   with_build_packages PACKAGE... -- COMMAND...
with_build_packages() {
  local packages=()
  while [ "$1" != -- ]; do packages+=("$1"); shift; done
  shift
  installed() { chroot "$ROOT" dpkg-query -W -f='${Package}\n' | sort; }
  installed > "$ROOT/tmp/before-build-packages"
  in_root apt-get install -y -q --no-install-recommends "${packages[@]}"
  "$@"
  mapfile -t added < <(installed | comm -13 "$ROOT/tmp/before-build-packages" -)
  in_root apt-get purge -y -q "${added[@]}"
  rm -f "$ROOT/tmp/before-build-packages"
}

# --- files of the appliance --------------------------------------------------------
cp -a --no-preserve=ownership "$HERE/overlay/." "$ROOT/"
cp -a --no-preserve=ownership "$HERE/overlay-$ARCH/." "$ROOT/"
if [ "$MODE" = ci ]; then
  flavour_overlay=$(python3 "$HERE/scripts/imagebuild.py" flavour --arch "$ARCH" --flavour ci --field overlay)
  cp -a --no-preserve=ownership "$HERE/$flavour_overlay/." "$ROOT/"
fi
chmod 0440 "$ROOT/etc/sudoers.d/50-kioskadmin"
install -d -m 0755 "$ROOT/usr/share/doc/jhcis-kiosk"
install -m 0644 "$HERE/README.md" "$HERE/README.th.md" "$ROOT/usr/share/doc/jhcis-kiosk/"
install -m 0644 "${KEYRING:-$HERE/build/keys/dev-ca.cert.pem}" "$ROOT/etc/rauc/keyring.pem"

# --- users ---------------------------------------------------------------------------
in_root systemd-sysusers            # video, render, input, systemd-journal ...
in_root groupadd --gid "$KIOSK_UID" kiosk
in_root useradd --uid "$KIOSK_UID" --gid kiosk --system --home-dir /var/lib/jhcis-kiosk \
  --no-create-home --shell /usr/sbin/nologin --groups video,render,input,lp,dialout,audio kiosk
in_root groupadd --gid "$ADMIN_UID" kioskadmin
# IT's home is on the data partition: the root stays read-only.
in_root useradd --uid "$ADMIN_UID" --gid kioskadmin --home-dir /data/home/kioskadmin \
  --no-create-home --shell /bin/bash --groups systemd-journal,adm kioskadmin
in_root passwd --lock kioskadmin    # SSH keys only: there is no password to guess
in_root passwd --lock root

# --- locale, time zone, host name ----------------------------------------------------
printf 'th_TH.UTF-8 UTF-8\nen_US.UTF-8 UTF-8\n' > "$ROOT/etc/locale.gen"
in_root locale-gen >/dev/null
echo 'LANG=th_TH.UTF-8' > "$ROOT/etc/default/locale"
ln -sf /usr/share/zoneinfo/Asia/Bangkok "$ROOT/etc/localtime"
echo Asia/Bangkok > "$ROOT/etc/timezone"
echo jhcis-kiosk > "$ROOT/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tjhcis-kiosk\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$ROOT/etc/hosts"

# --- the project in its virtual environment -----------------------------------------
# System site packages: Debian's python3-systemd (systemd-python 235), python3-icu (PyICU,
# so nothing compiles against ICU here) and python3-kivy's SDL2 with the KMSDRM driver
# serve the venv; the rest comes from the wheel's requirements.
# systemd-resolved's package points /etc/resolv.conf at a stub that only exists at run
# time; pip needs the build machine's resolver meanwhile (the link is restored below).
rm -f "$ROOT/etc/resolv.conf" && cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
# pip inside the tree trusts the build machine's CA bundle (which may include a company
# proxy's CA) and nothing of the build machine's pip configuration.
cp -L /etc/ssl/certs/ca-certificates.crt "$ROOT/tmp/build-ca.crt"
pip_in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  PIP_CERT=/tmp/build-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" "$@"; }
in_root python3 -m venv --system-site-packages "$VENV"
mkdir -p "$ROOT/tmp/wheels" && cp "$WHEELS"/*.whl "$ROOT/tmp/wheels/"
wheel=$(cd "$ROOT/tmp/wheels" && ls jhcis_kiosk-*.whl)
if [ "$MODE" = quick ]; then
  # CI rootfs: the project and its pure-Python dependencies, without the two whose
  # builds dominate the time (pyscard compiles, Kivy is large); `make image` has all.
  mapfile -t reqs < <(python3 "$HERE/scripts/imagebuild.py" requirements --skip pyscard --skip Kivy)
  pip_in_root install --quiet --no-cache-dir --no-deps "/tmp/wheels/$wheel"
  pip_in_root install --quiet --no-cache-dir "${reqs[@]}"
elif [ "$MODE" = ci ]; then
  # The release image's venv, with pyscard from the wheel compiled on the build machine
  # (installed first, so the project's requirement is already met) and Debian's
  # python3-systemd instead of compiling systemd-python: no compiler in the tree.
  pyscard=$(cd "$ROOT/tmp/wheels" && ls pyscard-*.whl)
  pip_in_root install --quiet --no-cache-dir "/tmp/wheels/$pyscard"
  pip_in_root install --quiet --no-cache-dir "/tmp/wheels/$wheel"
else
  # pyscard compiles against pcsc-lite: a compiler only for the install.
  with_build_packages build-essential swig libpcsclite-dev python3-dev pkg-config libsystemd-dev \
    -- pip_in_root install --quiet --no-cache-dir "/tmp/wheels/$wheel[appliance]"
fi
rm -rf "$ROOT/tmp/wheels" "$ROOT/tmp/build-ca.crt"
# The voice prompts, rendered by the kiosk's own catalogue with Debian's espeak-ng, which
# then leaves: the kiosk only plays files (kiosk/README.md, "Voice"). Beside them the
# waiting-room board's announcement clips (call-*.wav, backoffice/calling/README.md) for
# the default service points. A clinic's own recordings go in /etc/jhcis-kiosk/voice
# (the data partition) and win over these.
with_build_packages espeak-ng -- chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
  sh -c "$VENV/bin/kiosk voice render /usr/share/jhcis-kiosk/voice &&
         $VENV/bin/backoffice calling voice render /usr/share/jhcis-kiosk/voice"
find "$ROOT$VENV" -name __pycache__ -prune -exec rm -rf {} +
in_root "$VENV/bin/python" -m compileall -q "$VENV/lib" >/dev/null || true

# --- units: enable what the preset lists, mask what a public kiosk must not offer ------
mapfile -t enable < <(awk '$1 == "enable" { print $2 }' "$ROOT/usr/lib/systemd/system-preset/50-jhcis-kiosk.preset")
for unit in "${enable[@]}"; do
  if [ -e "$ROOT/usr/lib/systemd/system/$unit" ] || [ -e "$ROOT/lib/systemd/system/$unit" ]; then
    systemctl --root="$ROOT" enable "$unit" >/dev/null
  fi
done
# apt's timers make no sense on a read-only root: updates come as RAUC bundles.
systemctl --root="$ROOT" mask ctrl-alt-del.target debug-shell.service getty@tty1.service \
  autovt@.service systemd-firstboot.service apt-daily.timer apt-daily-upgrade.timer \
  dpkg-db-backup.timer >/dev/null
systemctl --root="$ROOT" set-default multi-user.target >/dev/null
ln -sf ../run/systemd/resolve/stub-resolv.conf "$ROOT/etc/resolv.conf"

# --- boot pieces kept inside the slot -------------------------------------------------
mkdir -p "$ROOT/data" "$ROOT/etc/jhcis-kiosk" "$ROOT/var/lib/jhcis-kiosk" "$ROOT/boot/efi" "$ROOT/boot/firmware"
if [ "$ARCH" = amd64 ] && [ -d "$ROOT/usr/lib/grub/x86_64-efi" ]; then
  modules="part_gpt fat ext2 normal linux configfile loadenv regexp test echo gzio efi_gop all_video search"
  # shellcheck disable=SC2086
  in_root grub-mkimage -O x86_64-efi -p /EFI/BOOT -o /usr/lib/jhcis-kiosk/BOOTX64.EFI $modules
fi

# --- nothing machine-specific or secret may stay in the image ------------------------
: > "$ROOT/etc/machine-id"
rm -f "$ROOT/var/lib/dbus/machine-id" "$ROOT"/etc/ssh/ssh_host_*
rm -rf "$ROOT/var/lib/apt/lists/"* "$ROOT/var/cache/apt/"*.bin "$ROOT/var/log/"*.log
in_root apt-get clean
echo "customized $ARCH root ($MODE)"
