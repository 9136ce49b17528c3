#!/usr/bin/env bash
# Builds the test workload image from Debian's static busybox: no registry can be reached here,
# so the image is a rootfs with busybox and its applet links, `docker import`-ed and tagged.
set -euo pipefail
image=${DOCKPULSE_TEST_IMAGE:-dockpulse/testbox:latest}
if docker image inspect "$image" >/dev/null 2>&1; then
  echo "[services] test image $image present"; exit 0
fi
busybox=$(command -v busybox || echo /bin/busybox)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/proc" "$root/sys" "$root/dev"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
chmod 1777 "$root/tmp"
tar -C "$root" -c . | docker import \
  --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
  --change 'LABEL org.opencontainers.image.title=dockpulse-testbox' - "$image" >/dev/null
echo "[services] built test image $image"
