#!/usr/bin/env bash
# Builds dist/ocspd_VERSION_ARCH.deb and dist/ocspd-VERSION-linux-ARCH.tar.gz from this checkout:
# a release build with the Swift runtime linked statically, stripped; man pages generated from
# the argument-parser definitions plus docs/man/ocspd.yaml.5; bash, zsh and fish completions;
# the systemd units, the cron entry, the example configuration. Then lintian (no errors).
#
#   ./scripts/package.sh            # builds into dist/ (about 4 minutes from a clean clone)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_swift
ensure_packages libssl-dev libcurl4-openssl-dev pkg-config dpkg-dev binutils lintian fakeroot adduser

fail() { echo "package: $*" >&2; exit 1; }

# The one place the version lives: OCSPDVersion.current (what `ocspd --version` prints).
version=$(sed -n 's/.*static let current = "\([^"]*\)".*/\1/p' Sources/OCSPCore/Version.swift)
[ -n "$version" ] || fail "no version found in Sources/OCSPCore/Version.swift (static let current = \"...\")"
debarch=$(dpkg --print-architecture)
machine=$(uname -m)
# Reproducible dates: the last commit's, not the build's.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
builddate=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)

dist=dist
work=$(mktemp -d "${TMPDIR:-/tmp}/ocspd-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. Man pages first, from the debug build (what scripts/test.sh has already built, so it costs
# nothing in CI; the pages do not depend on the configuration). In release mode the plugin
# would rebuild .build/release without --static-swift-stdlib, and the release build below
# would then compile everything a second time.
echo "==> man pages (swift package generate-manual)"
swift package --disable-sandbox generate-manual --configuration debug --multi-page --section 8 \
    --date "$builddate" --authors "ocspd maintainers" >"$work/manual.log" 2>&1 \
    || { cat "$work/manual.log" >&2; fail "swift package generate-manual failed"; }
manual=.build/plugins/GenerateManual/outputs/ocspd
[ -f "$manual/ocspd.8" ] || fail "generate-manual wrote no $manual/ocspd.8"

# 2. The release binary, Swift runtime inside.
binary=.build/release/ocspd
echo "==> swift build -c release --static-swift-stdlib"
swift build -c release --static-swift-stdlib >"$work/build.log" 2>&1 \
    || { grep -E "error" "$work/build.log" >&2; fail "the release build failed (swift build -c release --static-swift-stdlib)"; }
grep -E "Build complete" "$work/build.log" || true
[ -x "$binary" ] || fail "$binary is missing after the build"
cp "$binary" "$work/ocspd"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$work/ocspd"
if ldd "$work/ocspd" | grep -E 'libswift|libFoundation|libdispatch|libBlocksRuntime'; then
    fail "the binary links the Swift runtime dynamically (see above): build with --static-swift-stdlib"
fi
shown=$("$work/ocspd" --version)
[ "$shown" = "$version" ] || fail "ocspd --version prints '$shown', Version.swift says '$version'"

# 3. Completions, from the binary itself.
mkdir -p "$work/completions"
for shell in bash zsh fish; do
    # bash-completion sources the file: a #! line is noise there (lintian warns).
    "$work/ocspd" --generate-completion-script "$shell" | sed '1{/^#!/d}' >"$work/completions/$shell"
    [ -s "$work/completions/$shell" ] || fail "no $shell completion script"
done

# 4. The Debian tree.
root="$work/deb"
install -d "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/man/man8" "$root/usr/share/man/man5" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d" "$root/lib/systemd/system" "$root/etc/cron.d" \
    "$root/etc/ocspd" "$root/usr/share/doc/ocspd/examples" "$root/usr/share/lintian/overrides"
install -m 0755 "$work/ocspd" "$root/usr/bin/ocspd"
# Debian names subcommand pages ocspd-refresh(8), not ocspd.refresh(8) as the generator does;
# `ocspd help` is not a page of its own.
for page in "$manual"/*.8; do
    name=$(basename "$page" .8)
    [ "$name" = ocspd.help ] && continue
    name=${name/#ocspd./ocspd-}
    # whatis (NAME) needs the page's own name; the synopsis keeps the command as typed.
    sub=${name#ocspd-}
    # The top page also points at the configuration file's page.
    if [ "$name" = ocspd ]; then
        pagefix=('s/^\.Xr ocspd\.run 8$/.Xr ocspd.run 8 ,\n.Xr ocspd.yaml 5/')
    else
        pagefix=("s/^\\.Nm \"ocspd $sub\"\$/.Nm $name/" "s/^\\.Nm\$/.Nm \"ocspd $sub\"/")
    fi
    sed -e "${pagefix[0]}" -e "${pagefix[-1]}" -e '/^\.Xr ocspd\.help 8/d' \
        -e 's/^\(\.Xr ocspd\)\.\([a-z]*\)/\1-\2/' -e 's/^\(\.Dt OCSPD\)\.\([A-Z]*\)/\1-\2/' \
        "$page" | gzip -9n >"$root/usr/share/man/man8/$name.8.gz"
done
gzip -9n <docs/man/ocspd.yaml.5 >"$root/usr/share/man/man5/ocspd.yaml.5.gz"
install -m 0644 "$work/completions/bash" "$root/usr/share/bash-completion/completions/ocspd"
install -m 0644 "$work/completions/zsh" "$root/usr/share/zsh/vendor-completions/_ocspd"
install -m 0644 "$work/completions/fish" "$root/usr/share/fish/vendor_completions.d/ocspd.fish"
# The daemon and the timer; the nginx reload units name an example staple: examples only.
for unit in ocspd.service ocspd-refresh.service ocspd-refresh.timer; do
    install -m 0644 "systemd/$unit" "$root/lib/systemd/system/$unit"
done
for unit in ocspd-nginx-reload.path ocspd-nginx-reload.service; do
    install -m 0644 "systemd/$unit" "$root/usr/share/doc/ocspd/examples/$unit"
done
# The cron entry ships commented out: the shipped configuration names example chains, so an
# active entry would fail and mail root every 15 minutes until it is edited, and the daemon
# or the timer may be the operator's choice instead (running two is pointless).
{
    echo "# Disabled by the package: edit /etc/ocspd/ocspd.yaml, check it with"
    echo "#   ocspd run --config /etc/ocspd/ocspd.yaml --check-config"
    echo "# then remove the '#' before the */15 line (or use ocspd.service or ocspd-refresh.timer instead)."
    sed 's#^\(\*/15 \)#\#\1#' cron/ocspd
} >"$root/etc/cron.d/ocspd"
chmod 0644 "$root/etc/cron.d/ocspd"
grep -q '^#\*/15 .* /usr/bin/ocspd refresh' "$root/etc/cron.d/ocspd" || fail "cron/ocspd has no '*/15 ... /usr/bin/ocspd refresh' line to ship disabled"
install -m 0644 examples/ocspd.yaml "$root/etc/ocspd/ocspd.yaml"
install -m 0644 examples/ocspd.yaml "$root/usr/share/doc/ocspd/examples/ocspd.yaml"
install -m 0755 examples/haproxy-ocsp-update "$root/usr/share/doc/ocspd/examples/haproxy-ocsp-update"
# Every other example: the alert rules, the renewal trigger and its units, publish hooks.
for extra in examples/*; do
    case "$extra" in examples/ocspd.yaml|examples/haproxy-ocsp-update) continue ;; esac
    # Scripts keep their execute bit, so an operator can copy them as they are.
    if [ -f "$extra" ] && [ -x "$extra" ]; then install -m 0755 "$extra" "$root/usr/share/doc/ocspd/examples/"
    elif [ -f "$extra" ]; then install -m 0644 "$extra" "$root/usr/share/doc/ocspd/examples/"; fi
done
install -m 0644 packaging/debian/README.Debian "$root/usr/share/doc/ocspd/README.Debian"
install -m 0644 packaging/debian/copyright "$root/usr/share/doc/ocspd/copyright"
sed -e "s/@VERSION@/$version/" -e "s/@DATE@/$(date -u -R -d "@$SOURCE_DATE_EPOCH")/" \
    packaging/debian/changelog.in | gzip -9n >"$root/usr/share/doc/ocspd/changelog.gz"   # native: no Debian revision
install -m 0644 packaging/debian/lintian-overrides "$root/usr/share/lintian/overrides/ocspd"
for script in postinst postrm prerm; do
    install -m 0755 "packaging/debian/$script" "$root/DEBIAN/$script"
done
install -m 0644 packaging/debian/conffiles "$root/DEBIAN/conffiles"

# Depends: what the binary links, as Debian's shlibs files name it.
install -d "$work/shlibs/debian"
printf 'Source: ocspd\n\nPackage: ocspd\nArchitecture: any\n' >"$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" && dpkg-shlibdeps -O "$root/usr/bin/ocspd" 2>"$work/shlibdeps.log") \
    || { cat "$work/shlibdeps.log" >&2; fail "dpkg-shlibdeps failed"; }
depends=${depends#shlibs:Depends=}
[ -n "$depends" ] || fail "dpkg-shlibdeps found no dependencies"
installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$debarch/" -e "s/@DEPENDS@/$depends, adduser/" \
    -e "s/@SIZE@/$installed_size/" packaging/debian/control.in >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z \
    | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"
find "$root" -type d -exec chmod 0755 {} +

mkdir -p "$dist"
deb="$dist/ocspd_${version}_${debarch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "==> $deb (Depends: $depends, adduser)"

# 5. The tarball for other distributions: the same binary, pages and completions.
name="ocspd-$version-linux-$machine"
tree="$work/$name"
install -d "$tree/bin" "$tree/share/man/man8" "$tree/share/man/man5" "$tree/share/completions" "$tree/share/systemd" "$tree/share/examples"
install -m 0755 "$root/usr/bin/ocspd" "$tree/bin/ocspd"
cp "$root"/usr/share/man/man8/*.gz "$tree/share/man/man8/"
cp "$root"/usr/share/man/man5/*.gz "$tree/share/man/man5/"
install -m 0644 "$work/completions/bash" "$tree/share/completions/ocspd.bash"
install -m 0644 "$work/completions/zsh" "$tree/share/completions/_ocspd"
install -m 0644 "$work/completions/fish" "$tree/share/completions/ocspd.fish"
install -m 0644 systemd/ocspd.service systemd/ocspd-refresh.service systemd/ocspd-refresh.timer "$tree/share/systemd/"
install -m 0644 examples/ocspd.yaml "$tree/share/examples/"
install -m 0755 examples/haproxy-ocsp-update "$tree/share/examples/"
install -m 0644 cron/ocspd "$tree/share/examples/cron.d-ocspd"
sed -e "s/@VERSION@/$version/g" -e "s/@NAME@/$name/g" -e "s/@DEPENDS@/$depends/" packaging/INSTALL.in >"$tree/INSTALL"
tarball="$dist/$name.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    -C "$work" -cf - "$name" | gzip -9n >"$tarball"
echo "==> $tarball"

# 6. lintian: errors fail the build; warnings are printed (README lists the remaining ones).
echo "==> lintian $deb"
lintian --tag-display-limit 0 --display-info "$deb" | tee "$work/lintian.log" || true
if grep -q '^E: ' "$work/lintian.log"; then
    fail "lintian reports errors (above)"
fi
echo "package: built $deb and $tarball"
