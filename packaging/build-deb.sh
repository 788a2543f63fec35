#!/usr/bin/env bash
# Builds otpkit_VERSION_amd64.deb into OUT_DIR (default: the project folder) from a staged tree with dpkg-deb: no
# debian/rules, since SwiftPM builds the binary. The binary is a release build with the Swift runtime linked
# statically (the server needs no Swift toolchain); Depends is computed by dpkg-shlibdeps and written by
# dpkg-gencontrol from packaging/debian/control. Man pages come from swift-argument-parser's generate-manual plugin,
# completions from the binary itself. Ends with lintian, which must report no error.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath "${1:-$root}")
swift=${SWIFT:-swift}
cd "$root"
version=$(dpkg-parsechangelog -l packaging/debian/changelog -S Version)
date=$(date -u -d "@$(dpkg-parsechangelog -l packaging/debian/changelog -S Timestamp)" +%Y-%m-%d)
scratch=$root/.build-release
work=$root/.build-deb
stage=$work/otpkit

echo "Building otpkit $version (release, Swift runtime linked statically)"
"$swift" build -c release --static-swift-stdlib --product otpkit --scratch-path "$scratch"
binary=$scratch/release/otpkit
built=$("$binary" --version)
[ "$built" = "$version" ] || { echo "build-deb: otpkit --version says $built, packaging/debian/changelog $version" >&2; exit 1; }
echo "Generating the man pages (generate-manual plugin)"
"$swift" package generate-manual --configuration debug --multi-page --date "$date" \
  --authors "otpkit maintainers<maintainers@users.noreply.r-seed-0407ae01.example>" >/dev/null
manuals=$root/.build/plugins/GenerateManual/outputs/otpkit

rm -rf "$work"
mkdir -p "$stage/DEBIAN"
install -D -m 0755 "$binary" "$stage/usr/bin/otpkit"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/otpkit"
install -D -m 0644 udev/70-otpkit.rules "$stage/usr/lib/udev/rules.d/70-otpkit.rules"
install -D -m 0644 packaging/otpkit-verifier.service "$stage/lib/systemd/system/otpkit-verifier.service"
install -D -m 0644 packaging/verifier.yaml "$stage/etc/otpkit/verifier.yaml"
install -D -m 0644 packaging/otpkit.logrotate "$stage/etc/logrotate.d/otpkit"
install -D -m 0644 packaging/otpkit.lintian-overrides "$stage/usr/share/lintian/overrides/otpkit"
mkdir -p "$stage/usr/share/man/man1"
# generate-manual leaves empty lines, which mdoc takes as stray vertical space (groff warns): they go.
for page in "$manuals"/*.1; do sed '/^$/d' "$page" | gzip -9n > "$stage/usr/share/man/man1/$(basename "$page").gz"; done
# bash-completion sources the script: it takes no #! line.
"$stage/usr/bin/otpkit" --generate-completion-script bash | sed '1{/^#!/d}' | install -D -m 0644 /dev/stdin "$stage/usr/share/bash-completion/completions/otpkit"
"$stage/usr/bin/otpkit" --generate-completion-script zsh | install -D -m 0644 /dev/stdin "$stage/usr/share/zsh/vendor-completions/_otpkit"
"$stage/usr/bin/otpkit" --generate-completion-script fish | install -D -m 0644 /dev/stdin "$stage/usr/share/fish/vendor_completions.d/otpkit.fish"
docs=$stage/usr/share/doc/otpkit
install -D -m 0644 packaging/debian/copyright "$docs/copyright"
gzip -9n < packaging/debian/changelog > "$docs/changelog.gz"
gzip -9n < README.md > "$docs/README.md.gz"
for doc in docs/*.md; do gzip -9n < "$doc" > "$docs/$(basename "$doc").gz"; done
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$stage/DEBIAN/"
install -m 0644 packaging/debian/conffiles "$stage/DEBIAN/conffiles"

# dpkg-shlibdeps and dpkg-gencontrol read ./debian: a scratch one beside the stage.
mkdir -p "$work/debian"
cp packaging/debian/control packaging/debian/changelog "$work/debian/"
(cd "$work" && dpkg-shlibdeps -Tdebian/substvars -e otpkit/usr/bin/otpkit 2>&1 | grep -v "^dpkg-shlibdeps: warning: binaries to analyze should already be stripped" || true)
(cd "$work" && dpkg-gencontrol -potpkit -Potpkit -Tdebian/substvars -fdebian/files)
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum > DEBIAN/md5sums)
chmod 0644 "$stage/DEBIAN/md5sums" "$stage/DEBIAN/control"
deb=$out/otpkit_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "Built $deb ($(du -k "$deb" | cut -f1) KiB): $(dpkg-deb -f "$deb" Depends)"
# Kept warnings: bad-whatis-entry (generate-manual names a subcommand's page "otpkit counter", which whatis cannot
# read as the page's name).
lintian --fail-on error --no-tag-display-limit "$deb"
