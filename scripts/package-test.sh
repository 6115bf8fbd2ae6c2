#!/usr/bin/env bash
# Proves the Debian package on a clean Debian 12: builds it (scripts/package.sh) unless given
# one, makes a minimal bookworm root with mmdebstrap (cached in .build/debian-root), installs
# the package there with `apt-get install ./ocspd_*.deb` and checks, inside the root: the
# version, the man pages, the completions, --check-config on the shipped configuration, a
# staple written as the ocspd user from a local `openssl ocsp` responder, and that purge
# leaves nothing of ocspd's behind. Needs root (chroot, mount).
#
#   ./scripts/package-test.sh                       # builds the package first
#   ./scripts/package-test.sh dist/ocspd_0.1.0_amd64.deb
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

[ "$(id -u)" -eq 0 ] || { echo "package-test: needs root (chroot and mount): sudo $0" >&2; exit 1; }
ensure_packages mmdebstrap openssl

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*" >&2; }
die() { echo "package-test: $*" >&2; echo "package-test: $passed passed, $((failed + 1)) failed" >&2; exit 1; }

deb=${1:-}
if [ -z "$deb" ]; then
    ./scripts/package.sh
    version=$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' Sources/OCSPCore/Version.swift)
    deb="dist/ocspd_${version}_$(dpkg --print-architecture).deb"
fi
[ -f "$deb" ] || die "no package at $deb"
version=$(dpkg-deb -f "$deb" Version)

# The root: a minimal bookworm with man-db (to render pages) and openssl (the test responder).
cache=.build/debian-root
mkdir -p "$cache"
base="$cache/bookworm-apt-man-db-openssl.tar"
if [ ! -s "$base" ]; then
    echo "==> mmdebstrap bookworm (cached as $base)"
    apt-get update -qq
    mmdebstrap --quiet --variant=apt --format=tar --include=man-db,openssl bookworm "$base.part" \
        || die "mmdebstrap failed (does the machine reach Debian's package archive?)"
    mv "$base.part" "$base"
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/ocspd-package-test.XXXXXX")
responder_pid=""
cleanup() {
    local status=$?
    [ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && echo "package-test: stopped by a failed command (exit $status); $passed passed, 1 failed" >&2
    if [ -n "$responder_pid" ]; then
        kill "$responder_pid" 2>/dev/null || true
        wait "$responder_pid" 2>/dev/null || true
    fi
    for mount in "$root/proc" "$root/dev"; do
        if mountpoint -q "$mount" 2>/dev/null; then umount -l "$mount" || true; fi
    done
    # Only once nothing is mounted inside: rm -rf must never reach the host's /proc or /dev.
    rm -f "$root.before" "$root.after"
    if ! grep -q " $root/" /proc/mounts; then rm -rf "$root"; else echo "package-test: left $root (still mounted)" >&2; fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "==> unpacking the root into $root"
tar -C "$root" -xf "$base"
# The machine's apt sources and its Acquire settings (proxy, date checks), so apt in the root
# reaches the archive the same way.
rm -f "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*
cp -a /etc/apt/sources.list.d/. "$root/etc/apt/sources.list.d/" 2>/dev/null || true
find "$root/etc/apt/sources.list.d" -type f ! -name '*.list' ! -name '*.sources' -delete
[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/sources.list"
apt-config dump | grep '^Acquire::' >"$root/etc/apt/apt.conf.d/00host-acquire" || true
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
mount -t proc proc "$root/proc"
mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

# What the root holds before ocspd, apt's and dpkg's own bookkeeping left out.
snapshot() {
    (cd "$root" && find . -xdev \( -path ./proc -o -path ./dev -o -path ./tmp -o -path ./srv -o -path ./run \
        -o -path ./var/lib/apt -o -path ./var/lib/dpkg -o -path ./var/cache -o -path ./var/log \
        -o -path ./var/lib/systemd/deb-systemd-helper-enabled -o -path ./var/lib/systemd/deb-systemd-user-helper-enabled \) -prune \
        -o ! -name '*-old' ! -path './etc/passwd-' ! -path './etc/group-' ! -path './etc/shadow-' ! -path './etc/gshadow-' \
        ! -path './etc/ld.so.cache' -print | sort)
}
in_root apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed inside the root"
before="$root.before"
snapshot >"$before"
users_before=$(in_root getent passwd | cut -d: -f1 | sort | tr '\n' ' ')

echo "==> apt-get install ./$(basename "$deb") inside the root"
cp "$deb" "$root/tmp/"
if in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./tmp/$(basename "$deb")" \
        >"$root/tmp/install.log" 2>&1 --no-install-recommends \
        && true; then
    pass "apt-get install ./$(basename "$deb") (Depends: $(dpkg-deb -f "$deb" Depends))"
else
    cat "$root/tmp/install.log" >&2
    die "apt-get install of the package failed inside the root"
fi

shown=$(in_root ocspd --version 2>&1) || true
[ "$shown" = "$version" ] && pass "ocspd --version prints $version" || fail "ocspd --version printed '$shown', the package is $version"

for page in ocspd ocspd-refresh ocspd-run ocspd.yaml; do
    text=$(in_root env MANPAGER=cat MANWIDTH=80 man "$page" 2>"$root/tmp/man.err") && [ -n "$text" ] \
        && pass "man $page renders ($(printf '%s\n' "$text" | wc -l) lines)" \
        || fail "man $page did not render: $(cat "$root/tmp/man.err")"
done

for file in /usr/share/bash-completion/completions/ocspd /usr/share/zsh/vendor-completions/_ocspd \
            /usr/share/fish/vendor_completions.d/ocspd.fish; do
    [ -s "$root$file" ] && pass "completion $file" || fail "no completion file $file"
done

for file in /lib/systemd/system/ocspd.service /lib/systemd/system/ocspd-refresh.service /etc/cron.d/ocspd; do
    grep -q '/usr/bin/ocspd' "$root$file" && ! grep -q '/usr/local/bin/ocspd' "$root$file" \
        && pass "$file names /usr/bin/ocspd" || fail "$file does not name /usr/bin/ocspd"
done

owner=$(stat -c %U:%G "$root/etc/ocspd") ; state=$(in_root stat -c %U:%G /var/lib/ocspd 2>&1)
[ "$owner" = root:root ] && [ "$state" = ocspd:ocspd ] \
    && pass "/etc/ocspd is root:root, /var/lib/ocspd is ocspd:ocspd" || fail "/etc/ocspd is $owner, /var/lib/ocspd is $state"

# As documented: the shipped example names chains that do not exist here, so --check-config
# refuses it with exit 78, naming each missing chain.
set +e
out=$(in_root ocspd run --config /etc/ocspd/ocspd.yaml --check-config 2>&1); status=$?
set -e
if [ "$status" -eq 78 ] && grep -q '/etc/exim4/tls/mail.example.org.pem' <<<"$out"; then
    pass "--check-config on the shipped example: exit 78 naming the missing chains"
else
    fail "--check-config on the shipped example: exit $status: $out"
fi

# A staple from a local responder, written as the ocspd user.
echo "==> a throwaway PKI and openssl ocsp inside the root"
port=$(free_port)
url="http://127.0.0.1:$port"
pki="$root/srv/ocspd-test"
mkdir -p "$pki"
(
    cd "$pki"
    make_test_pki "ocspd package test" "$url"
) || die "could not make the test PKI"
chmod 0644 "$pki"/*.pem
in_root install -d -o ocspd -g ocspd -m 0755 /srv/ocspd-test/staples
# No -multi: one process, so its PID is all there is to stop.
chroot "$root" openssl ocsp -index /srv/ocspd-test/index.txt -port "$port" -rsigner /srv/ocspd-test/responder.pem \
    -rkey /srv/ocspd-test/responder.key -CA /srv/ocspd-test/intermediate.pem -nmin 60 -ignore_err \
    >"$pki/responder.log" 2>&1 &
responder_pid=$!
for _ in $(seq 100); do port_listening "$port" && break; sleep 0.1; done
port_listening "$port" || die "openssl ocsp did not listen on $url: $(cat "$pki/responder.log")"

set +e
out=$(in_root runuser -u ocspd -- ocspd refresh --chain /srv/ocspd-test/chain.pem \
    --output /srv/ocspd-test/staples/mail.der --state-dir /var/lib/ocspd 2>&1); status=$?
set -e
staple_owner=$(in_root stat -c %U /srv/ocspd-test/staples/mail.der 2>/dev/null || echo none)
verify=$(in_root openssl ocsp -respin /srv/ocspd-test/staples/mail.der -CAfile /srv/ocspd-test/root.pem \
    -issuer /srv/ocspd-test/intermediate.pem -cert /srv/ocspd-test/server.pem -no_nonce 2>&1 || true)
if [ "$status" -eq 0 ] && [ "$staple_owner" = ocspd ] && grep -q 'Response verify OK' <<<"$verify" \
        && grep -q 'server.pem: good' <<<"$verify"; then
    pass "ocspd refresh as the ocspd user wrote a staple that openssl verifies (good)"
else
    fail "ocspd refresh as ocspd: exit $status, staple owner $staple_owner: $out / $verify"
fi
kill "$responder_pid" 2>/dev/null || true
wait "$responder_pid" 2>/dev/null || true
responder_pid=""

# An upgrade (here a reinstall of the same package) keeps an edited conffile.
echo "# edited by package-test" >>"$root/etc/ocspd/ocspd.yaml"
if in_root env DEBIAN_FRONTEND=noninteractive dpkg --force-confold -i "/tmp/$(basename "$deb")" >"$root/tmp/reinstall.log" 2>&1 \
        && grep -q '^# edited by package-test' "$root/etc/ocspd/ocspd.yaml"; then
    pass "reinstalling keeps the edited /etc/ocspd/ocspd.yaml"
else
    fail "reinstalling lost the edited /etc/ocspd/ocspd.yaml: $(cat "$root/tmp/reinstall.log")"
fi

# remove keeps the user, the state and the configuration; purge then removes them.
if in_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q ocspd >"$root/tmp/remove.log" 2>&1 \
        && in_root getent passwd ocspd >/dev/null && [ -d "$root/var/lib/ocspd" ] \
        && [ -f "$root/etc/ocspd/ocspd.yaml" ] && [ -f "$pki/staples/mail.der" ]; then
    pass "apt-get remove keeps the ocspd user, /var/lib/ocspd, the configuration and the staple"
else
    fail "apt-get remove: $(cat "$root/tmp/remove.log")"
fi

# Purge: the test's own files go first (they are not the package's), then the package and
# what apt pulled in for it.
rm -rf "$pki" "$root/tmp/$(basename "$deb")"
# A staple in /var/lib/ocspd/staples (where the README once put them) survives the purge.
in_root install -d -o ocspd -g ocspd /var/lib/ocspd/staples
echo "a staple a server reads" >"$root/var/lib/ocspd/staples/legacy.der"
if in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q --autoremove ocspd >"$root/tmp/purge.log" 2>&1; then
    pass "apt-get purge --autoremove ocspd"
else
    cat "$root/tmp/purge.log" >&2
    fail "apt-get purge ocspd failed"
fi
if [ -f "$root/var/lib/ocspd/staples/legacy.der" ] && [ "$(ls -A "$root/var/lib/ocspd")" = staples ] \
        && grep -q 'kept /var/lib/ocspd/staples' "$root/tmp/purge.log"; then
    pass "purge removed ocspd's state but kept a staple in /var/lib/ocspd/staples, saying so"
else
    fail "purge and /var/lib/ocspd/staples: $(ls -AR "$root/var/lib/ocspd" 2>&1 | tr '\n' ' ') / $(cat "$root/tmp/purge.log")"
fi
rm -rf "$root/var/lib/ocspd"   # the test's own staple
after="$root.after"
snapshot >"$after"
if leftover=$(diff "$before" "$after"); then
    pass "purge left no file behind"
else
    fail "purge left these differences (< before, > after): $leftover"
fi
users_after=$(in_root getent passwd | cut -d: -f1 | sort | tr '\n' ' ')
groups_after=$(in_root getent group | cut -d: -f1)
if [ "$users_before" = "$users_after" ] && ! grep -qx ocspd <<<"$groups_after"; then
    pass "purge removed the ocspd user and group"
else
    fail "users before: $users_before; after: $users_after; groups: $(tr '\n' ' ' <<<"$groups_after")"
fi
rm -f "$before" "$after"

echo "package-test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
