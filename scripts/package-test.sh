#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make package-test (part of make check): the packaging, end to end, on
# this machine (root, after make deps). Prints TAP ("ok - ..." lines).
#
#  1. VERSION, dkms.conf and debian/changelog agree, and the check fails
#     when one of them does not; make install lays out DESTDIR/PREFIX;
#     make module tool builds from a clean copy without linux-source.
#  2. make deb: the source package, which unpacks to the tree's files;
#     zcopy-dkms, zcopyctl and zcopy-dev, their file lists; lintian
#     --pedantic has nothing to say of any of them (debian/*lintian-
#     overrides say why for what it would).
#  3. apt-get install of the three: DKMS builds and installs zcopy.ko
#     for each kernel of scripts/kernels.sh (dkms status, the file under
#     /lib/modules/KVER/updates/dkms, modinfo version and vermagic);
#     /usr/bin/zcopyctl --version, the man page, the bash completion
#     against the tool, the uapi header compiles.
#  4. The test VM boots each kernel of ZCOPY_PKGTEST_VM_KERNELS (default
#     "6.1 6.12", about 35 s each; "none" to skip) with the DKMS-built
#     module and the installed /usr/bin/zcopyctl and runs
#     selftests/tool/vm/zcopyctl.bats and checks that what it loaded is
#     what DKMS built. The module is loaded only there, never here.
#  5. apt-get purge: nothing is left (/usr/src/zcopy-*, dkms status,
#     the .ko files, modules.dep, the installed files).
#
# The packages are purged on any exit. Files stay in build/package-test/.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
out=$top/build/package-test
t0=$(date +%s)

failed=0
pass() { echo "ok - $1"; }
fail() { # NAME DIAGNOSTIC...
	echo "not ok - $1"
	shift
	(($#)) && printf '# %s\n' "$@"
	failed=$((failed + 1))
}
same() { # NAME WANT GOT
	if [[ -n $2 && $2 == "$3" ]]; then
		pass "$1"
	else
		fail "$1" "want: $2" "got:  $3"
	fi
}
# A step's log, quoted, when it failed.
show_log() { sed 's/^/# /' "$1" | tail -n "${2:-30}"; }

if [[ $(id -u) -ne 0 ]]; then
	echo "ok - package test # SKIP needs root (apt-get install, dkms)"
	exit 0
fi
missing=()
for c in dkms dpkg-buildpackage dh_dkms apt-get xz; do
	command -v "$c" >/dev/null || missing+=("$c")
done
if ((${#missing[@]})); then
	fail "package test prerequisites" "missing: ${missing[*]} (make deps)"
	exit 1
fi

version=$(<VERSION)
pkgs=(zcopy-dkms zcopyctl zcopy-dev)
mapfile -t kernels < <(scripts/kernels.sh)
vm_kernels=${ZCOPY_PKGTEST_VM_KERNELS:-6.1 6.12}
rm -rf "$out"
mkdir -p "$out"
echo "# package test: zcopy $version, kernels ${kernels[*]}"

installed_pkgs() {
	local p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null |
			grep -qv '^un' && echo "$p"
	done
	return 0
}
purge() {
	local -a left
	mapfile -t left < <(installed_pkgs)
	((${#left[@]} == 0)) && return 0
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -q -o Dpkg::Use-Pty=0 \
		"${left[@]}"
}
# A run that stops half way must not leave the packages behind.
trap 'purge >>"$out/purge-on-exit.log" 2>&1 || true' EXIT
# Leftovers of an earlier run would make every check below meaningless.
if [[ -n $(installed_pkgs) ]]; then
	echo "# purging leftovers: $(installed_pkgs | tr '\n' ' ')"
	purge >"$out/purge-before.log" 2>&1
fi

# --- 1. versions, make install, a clean build -------------------------------

got=$(scripts/check-version.sh "$top" 2>&1) || true
same "VERSION, dkms.conf and debian/changelog agree on $version" \
	"version $version: VERSION, dkms.conf and debian/changelog agree" "$got"

# The check must fail when one of them disagrees.
tree=$out/version-tree
mkdir -p "$tree/debian"
disagree() { # FILE SED-EXPRESSION EXPECTED-MESSAGE-PART
	cp VERSION dkms.conf "$tree/"
	cp debian/changelog "$tree/debian/"
	sed -i "$2" "$tree/$1"
	if scripts/check-version.sh "$tree" >"$out/disagree.log" 2>&1; then
		fail "check-version fails when $1 says 9.9.9" "it passed"
	elif grep -qF "$3" "$out/disagree.log"; then
		pass "check-version fails when $1 says 9.9.9"
	else
		fail "check-version fails when $1 says 9.9.9, naming it" \
			"$(cat "$out/disagree.log")"
	fi
}
disagree dkms.conf 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="9.9.9"/' \
	"dkms.conf PACKAGE_VERSION '9.9.9'"
disagree debian/changelog '1s/(.*)/(9.9.9-1)/' "debian/changelog version '9.9.9-1'"
disagree VERSION 's/.*/9.9.9/' "differs from VERSION '9.9.9'"

# make deps-build: only what building for the running kernel needs.
want="build-essential libnl-genl-3-dev pkg-config"
[[ -d /lib/modules/$(uname -r)/build ]] || want+=" linux-headers-$(uname -r)"
want=$(tr ' ' '\n' <<<"$want" | sort | tr '\n' ' ' | sed 's/ $//')
got=$(scripts/deps.sh --build-only --print 2>&1)
same "deps.sh --build-only: headers for $(uname -r), build-essential, pkg-config, libnl; no notice" \
	"$want" "$(awk '/^deps: notice/ { print "NOTICE" } /^deps:/ { next } { print $1 }' <<<"$got" |
		sort | tr '\n' ' ' | sed 's/ $//')"
# make deps: with apt-get and dpkg-query stubbed (nothing installed), it
# says that kernel images come, and which, before apt-get installs any,
# and installs dkms last, on its own, without recommends.
stub=$out/deps-stub
mkdir -p "$stub"
printf '#!/bin/sh\necho "APT-GET $*"\n' >"$stub/apt-get"
printf '#!/bin/sh\nexit 1\n' >"$stub/dpkg-query"
chmod +x "$stub/apt-get" "$stub/dpkg-query"
PATH=$stub:$PATH scripts/deps.sh >"$out/deps-stub.log" 2>&1 || true
notice=$(grep -n '^deps: notice: make deps installs the kernel images linux-image-amd64 linux-image-6\.12\.[0-9]*+deb12-amd64 .*next boot.*make deps-build' \
	"$out/deps-stub.log" | cut -d: -f1 | head -n 1)
first=$(grep -n '^APT-GET install' "$out/deps-stub.log" | cut -d: -f1 | head -n 1)
if [[ -n $notice && -n $first ]] && ((notice < first)); then
	pass "make deps says which kernel images it installs and what that does to the next boot, before installing"
else
	fail "make deps says which kernel images it installs, before installing" \
		"$(head -c 2000 "$out/deps-stub.log")"
fi
got=$(grep '^APT-GET install' "$out/deps-stub.log" | tail -n 1)
same "make deps installs dkms last, alone, --no-install-recommends" \
	"APT-GET install -y -q --no-install-recommends -o Dpkg::Use-Pty=0 dkms" "$got"
got=$(grep '^APT-GET install' "$out/deps-stub.log" | head -n 1 | tr ' ' '\n' |
	grep -cxE 'debhelper|dh-dkms|lintian|--no-install-recommends' || true)
same "make deps installs debhelper, dh-dkms and lintian, --no-install-recommends" 4 "$got"

# make install: every file where PREFIX and DESTDIR put it, nothing else.
install_list() { # PREFIX
	local d=$out/install
	rm -rf "$d"
	make --no-print-directory -s install DESTDIR="$d" ${1:+PREFIX=$1} \
		>"$out/install.log" 2>&1 || { show_log "$out/install.log"; return 0; }
	(cd "$d" && find . -type f -printf '%p %m\n' | sort | tr '\n' ' ' | sed 's/ $//')
}
expect_install() { # PREFIX
	local p=$1
	printf '%s\n' "./$p/bin/zcopyctl 755" \
		"./$p/include/linux/zcopy.h 644" \
		"./$p/share/bash-completion/completions/zcopyctl 644" \
		"./$p/share/doc/zcopy/examples/modprobe.d/zcopy.conf 644" \
		"./$p/share/doc/zcopy/examples/modules-load.d/zcopy.conf 644" \
		"./$p/share/man/man8/zcopyctl.8 644" \
		"./$p/share/zcopy/netlink/zcopy.yaml 644" |
		sed 's|//|/|' | sort | tr '\n' ' ' | sed 's/ $//'
}
same "make install DESTDIR=D: D/usr/local/{bin,include,share/...}" \
	"$(expect_install usr/local)" "$(install_list '')"
same "make install DESTDIR=D PREFIX=/opt/zcopy: D/opt/zcopy/..." \
	"$(expect_install opt/zcopy)" "$(install_list /opt/zcopy)"

# make module tool from a clean copy: headers, libnl and a compiler only.
k61=${kernels[0]}
clean=$out/clean-tree
mkdir -p "$clean"
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do
		[[ -e $f ]] && printf '%s\0' "$f"
	done | cpio -0pdm --quiet "$clean"
if [[ $k61 == missing-* ]]; then
	fail "make module tool in a clean copy" "no 6.1 kernel headers (make deps)"
elif make -C "$clean" --no-print-directory module tool KVER="$k61" \
	>"$out/clean-build.log" 2>&1; then
	if [[ -f $clean/build/$k61/mod/kmod/zcopy.ko && -x $clean/build/tool/zcopyctl &&
		! -e $clean/build/linux-source && ! -e $clean/build/selftests ]]; then
		pass "make module tool KVER=$k61 in a clean copy: zcopy.ko and zcopyctl, no linux-source, no selftests"
	else
		fail "make module tool KVER=$k61 in a clean copy builds only those" \
			"$(cd "$clean/build" && find . -maxdepth 2 | sort | tr '\n' ' ')"
	fi
else
	fail "make module tool KVER=$k61 in a clean copy"
	show_log "$out/clean-build.log"
fi
rm -rf "$clean"

# --- 2. make deb ----------------------------------------------------------------

debs=(zcopy-dkms_"$version"-1_all.deb zcopyctl_"$version"-1_amd64.deb
	zcopy-dev_"$version"-1_all.deb)
t=$(date +%s)
if make --no-print-directory deb >"$out/deb.log" 2>&1; then
	got=$(find build/deb -maxdepth 1 -name '*.deb' -printf '%f\n' | sort | tr '\n' ' ')
	same "make deb: build/deb/ has the three packages of $version, no others ($(($(date +%s) - t)) s)" \
		"$(printf '%s\n' "${debs[@]}" | sort | tr '\n' ' ')" "$got"
else
	fail "make deb"
	show_log "$out/deb.log"
	exit 1
fi

# The source package: what dpkg-source unpacks is the tree (its tracked
# and not ignored files), nothing more, nothing less.
dsc=build/deb/zcopy_$version-1.dsc
rm -rf "$out/dsc"
mkdir -p "$out/dsc"
if dpkg-source --no-check -x "$dsc" "$out/dsc/zcopy-$version" >"$out/dsc.log" 2>&1; then
	want=$(git ls-files -co --exclude-standard | while IFS= read -r f; do
		[[ -e $f || -L $f ]] && printf '%s\n' "$f"; done | sort | sha256sum)
	got=$(cd "$out/dsc/zcopy-$version" && find . \( -type f -o -type l \) \
		-not -path './.pc/*' -printf '%P\n' | sort | sha256sum)
	same "$dsc: dpkg-source -x gives the tree's $(git ls-files -co --exclude-standard | wc -l) files" \
		"$want" "$got"
else
	fail "dpkg-source -x $dsc"
	show_log "$out/dsc.log"
fi
rm -rf "$out/dsc"

# lintian on the source and the three packages: no tag at any level.
if lintian --pedantic -I --fail-on error,warning,info,pedantic \
	"build/deb/zcopy_$version-1_amd64.changes" >"$out/lintian.log" 2>&1; then
	pass "lintian --pedantic -I: nothing on the source package and the three .deb"
else
	fail "lintian --pedantic -I on build/deb/zcopy_$version-1_amd64.changes"
	show_log "$out/lintian.log"
fi

deb_files() { # DEB: its regular files and links, one line
	dpkg-deb -c "build/deb/$1" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\.||' |
		sort | tr '\n' ' ' | sed 's/ $//'
}
same "zcopyctl.deb: the tool, its man page and bash completion" \
	"/usr/bin/zcopyctl /usr/share/bash-completion/completions/zcopyctl /usr/share/doc/zcopyctl/README.md.gz /usr/share/doc/zcopyctl/changelog.Debian.gz /usr/share/doc/zcopyctl/copyright /usr/share/lintian/overrides/zcopyctl /usr/share/man/man8/zcopyctl.8.gz" \
	"$(deb_files "${debs[1]}")"
same "zcopy-dev.deb: the uapi header and the netlink spec" \
	"/usr/include/linux/zcopy.h /usr/share/doc/zcopy-dev/changelog.Debian.gz /usr/share/doc/zcopy-dev/copyright /usr/share/lintian/overrides/zcopy-dev /usr/share/zcopy/netlink/zcopy.yaml" \
	"$(deb_files "${debs[2]}")"
# zcopy-dkms: the module's sources as DKMS builds them, no planted bug.
src=/usr/src/zcopy-$version
want=$( {
	printf '%s\n' "$src/COPYING" "$src/Kbuild" "$src/VERSION" "$src/dkms.conf" \
		"$src/include/uapi/linux/zcopy.h" \
		/usr/share/doc/zcopy-dkms/changelog.Debian.gz \
		/usr/share/doc/zcopy-dkms/copyright \
		/usr/share/doc/zcopy-dkms/examples/modprobe.d/zcopy.conf \
		/usr/share/doc/zcopy-dkms/examples/modules-load.d/zcopy.conf \
		/usr/share/lintian/overrides/zcopy-dkms
	git ls-files -co --exclude-standard kmod | grep -vx kmod/plant.c |
		sed "s|^|$src/|"
} | sort | tr '\n' ' ' | sed 's/ $//')
same "zcopy-dkms.deb: $src with dkms.conf, Kbuild, VERSION, kmod/ (no plant.c), the uapi header" \
	"$want" "$(deb_files "${debs[0]}")"
got=$(dpkg-deb --fsys-tarfile "build/deb/${debs[0]}" |
	tar -xOf - ".$src/dkms.conf" | sed -n 's/^PACKAGE_VERSION=//p')
same "zcopy-dkms.deb: dkms.conf PACKAGE_VERSION" "\"$version\"" "$got"
got=$(dpkg-deb -f "build/deb/${debs[0]}" Depends)
if [[ $got == *dkms* ]]; then
	pass "zcopy-dkms.deb depends on dkms ($got)"
else
	fail "zcopy-dkms.deb depends on dkms" "Depends: $got"
fi

# --- 3. install: DKMS builds for every kernel ----------------------------------

# As on a machine that runs the newest kernel, 6.12: DKMS's own postinst
# then builds for that one only, and zcopy-dkms's must add 6.1. (This
# host may run a kernel that is not installed, for which DKMS would
# build for all on its own: uname -r is stubbed for the maintainer
# scripts.)
running=${kernels[1]}
mkdir -p "$out/uname-stub"
printf '#!/bin/sh
[ "$*" = -r ] && { echo %s; exit 0; }
exec /bin/uname "$@"
' \
	"$running" >"$out/uname-stub/uname"
chmod +x "$out/uname-stub/uname"
t=$(date +%s)
# (apt sets dpkg's PATH from DPkg::Path.)
if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	-o Dpkg::Use-Pty=0 -o DPkg::Path="$out/uname-stub:/usr/sbin:/usr/bin:/sbin:/bin" \
	"${debs[@]/#/./build/deb/}" >"$out/install-debs.log" 2>&1; then
	pass "apt-get install ./build/deb/*.deb ($(($(date +%s) - t)) s, DKMS builds included)"
else
	fail "apt-get install ./build/deb/*.deb"
	show_log "$out/install-debs.log" 40
	exit 1
fi
got=$(dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' "${pkgs[@]}" |
	sed 's/ *$//' | sort | tr '\n' ' ' | sed 's/ $//')
same "dpkg: the three packages installed at $version-1" \
	"zcopy-dev $version-1 ii zcopy-dkms $version-1 ii zcopyctl $version-1 ii" "$got"

got=$(grep -E '^(Building for|zcopy-dkms: building)' "$out/install-debs.log" |
	tr '\n' ';' | sed 's/;$//')
same "running $running: DKMS built for it, zcopy-dkms's postinst for ${kernels[0]}" \
	"Building for $running;zcopy-dkms: building zcopy $version for ${kernels[0]}" "$got"

declare -A kos=()
for k in "${kernels[@]}"; do
	if [[ $k == missing-* ]]; then
		fail "kernel ${k#missing-} is installed (make deps)"
		continue
	fi
	# (stderr: readelf's complaints about the kernel's own .comment)
	got=$(dkms status -m zcopy -v "$version" -k "$k" 2>/dev/null)
	same "dkms status on $k" "zcopy/$version, $k, x86_64: installed" "$got"
	ko=$(compgen -G "/lib/modules/$k/updates/dkms/zcopy.ko*" | head -n 1 || true)
	if [[ -n $ko && -f $ko ]]; then
		pass "DKMS installed $ko"
		kos[$k]=$ko
	else
		fail "DKMS installed /lib/modules/$k/updates/dkms/zcopy.ko" \
			"$(ls -l "/lib/modules/$k/updates/dkms" 2>&1)"
		continue
	fi
	same "modinfo -F version of $ko" "$version" "$(modinfo -F version "$ko")"
	got=$(modinfo -F vermagic "$ko")
	same "modinfo -F vermagic of $ko names $k" "$k" "${got%% *}"
	got=$(grep -c '^updates/dkms/zcopy\.ko' "/lib/modules/$k/modules.dep" || true)
	same "depmod: $k's modules.dep lists the DKMS zcopy.ko" 1 "$got"
done

same "/usr/bin/zcopyctl --version" "zcopyctl $version" \
	"$(/usr/bin/zcopyctl --version 2>&1)"
same "man -w zcopyctl: the installed man page" \
	/usr/share/man/man8/zcopyctl.8.gz "$(man -w zcopyctl 2>&1)"
comp=/usr/share/bash-completion/completions/zcopyctl
if cmp -s "$comp" tool/zcopyctl.bash-completion; then
	pass "$comp is tool/zcopyctl.bash-completion"
else
	fail "$comp is tool/zcopyctl.bash-completion"
fi
if scripts/check-completion.sh /usr/bin/zcopyctl "$comp" >"$out/completion.tap" 2>&1; then
	pass "installed bash completion: the commands and options of /usr/bin/zcopyctl ($(grep -c '^ok' "$out/completion.tap") checks)"
else
	fail "installed bash completion: the commands and options of /usr/bin/zcopyctl"
	grep -A2 '^not ok' "$out/completion.tap" | sed 's/^/# /'
fi
# zcopy-dev: the header, from /usr/include, compiles on its own.
if printf '#include <linux/zcopy.h>\nint main(void) { return ZCOPY_GENL_VERSION - ZCOPY_GENL_VERSION; }\n' |
	cc -Wall -Werror -x c -o /dev/null - >"$out/header.log" 2>&1; then
	pass "zcopy-dev: #include <linux/zcopy.h> from /usr/include compiles"
else
	fail "zcopy-dev: #include <linux/zcopy.h> from /usr/include compiles"
	show_log "$out/header.log"
fi

# --- 4. the VM: the DKMS module and the installed tool --------------------------

# The guest checks that it loaded what DKMS built (srcversion), that the
# tool is the packaged one, and their versions; then zcopyctl.bats.
vm_bats() { # DIR SRCVERSION
	mkdir -p "$1"
	cp selftests/tool/vm/zcopyctl.bats selftests/tool/vm/helper.bash "$1/"
	cat >"$1/package.bats" <<-EOF
		#!/usr/bin/env bats
		# Written by scripts/package-test.sh: the packaged module and tool.
		load helper

		@test "package: the loaded zcopy is DKMS's build, version $version" {
			[[ \$(cat /sys/module/zcopy/version) == "$version" ]]
			[[ \$(cat /sys/module/zcopy/srcversion) == "$2" ]]
		}

		@test "package: zcopyctl --version and the module's release are $version" {
			run --separate-stderr "\$ZCOPYCTL" --version
			assert_success
			assert_output "zcopyctl $version"
			run --separate-stderr "\$ZCOPYCTL" version -j
			assert_success
			assert_jq '.module_release == "$version"'
		}
	EOF
}
empty=$out/no-tests
mkdir -p "$empty"
for want in $vm_kernels; do
	[[ $want == none ]] && break
	case $want in
	6.1) k=${kernels[0]} ;;
	6.12) k=${kernels[1]} ;;
	*) fail "ZCOPY_PKGTEST_VM_KERNELS: '$want' is not 6.1, 6.12 or none"; continue ;;
	esac
	if [[ -z ${kos[$k]:-} ]]; then
		fail "vm $k with the DKMS module" "DKMS installed no module for $k"
		continue
	fi
	t=$(date +%s)
	ko=$out/$k/zcopy.ko
	mkdir -p "$out/$k"
	case ${kos[$k]} in
	*.xz) xz -dc "${kos[$k]}" >"$ko" ;;
	*.zst) zstd -qdc "${kos[$k]}" >"$ko" ;;
	*.gz) gzip -dc "${kos[$k]}" >"$ko" ;;
	*) cp "${kos[$k]}" "$ko" ;;
	esac
	vm_bats "$out/$k/bats" "$(modinfo -F srcversion "$ko")"
	echo "# vm $k: DKMS's ${kos[$k]}, /usr/bin/zcopyctl, zcopyctl.bats"
	rc=0
	selftests/vm/run.sh --kver "$k" --mode tests --out "$out/$k/vm" \
		--module "$ko" --tool /usr/bin/zcopyctl --tests "$empty" \
		--bats "$out/$k/bats" >"$out/vm-$k.tap" 2>&1 || rc=$?
	cat "$out/vm-$k.tap"
	vm_failed=$(grep -c '^not ok' "$out/vm-$k.tap" || true)
	failed=$((failed + vm_failed))
	if ((rc != 0 && vm_failed == 0)); then
		fail "vm $k ended without a passing verdict (rc $rc)"
	fi
	echo "# vm $k took $(($(date +%s) - t)) s"
done

# --- 5. purge: nothing left -------------------------------------------------------

t=$(date +%s)
if purge >"$out/purge.log" 2>&1; then
	pass "apt-get purge ${pkgs[*]} ($(($(date +%s) - t)) s)"
else
	fail "apt-get purge ${pkgs[*]}"
	show_log "$out/purge.log"
fi
got=$(installed_pkgs | tr '\n' ' ' | sed 's/ $//')
same "dpkg: none of the three is known any more" "(none)" "${got:-(none)}"
same "no /usr/src/zcopy-*" "(none)" "$(compgen -G '/usr/src/zcopy-*' || echo '(none)')"
same "dkms status: no zcopy" "(none)" "$( (dkms status -m zcopy 2>/dev/null || true) | grep . || echo '(none)')"
same "no /var/lib/dkms/zcopy" "(none)" "$(compgen -G /var/lib/dkms/zcopy || echo '(none)')"
same "no zcopy.ko* under /lib/modules/*/updates" "(none)" \
	"$(find /lib/modules/*/updates -name 'zcopy.ko*' 2>/dev/null | grep . || echo '(none)')"
same "no modules.dep lists zcopy.ko" "(none)" \
	"$(grep -l 'zcopy\.ko' /lib/modules/*/modules.dep 2>/dev/null || echo '(none)')"
left=()
for f in /usr/bin/zcopyctl /usr/share/man/man8/zcopyctl.8.gz "$comp" \
	/usr/include/linux/zcopy.h /usr/share/zcopy /usr/share/doc/zcopy-dkms \
	/usr/share/doc/zcopyctl /usr/share/doc/zcopy-dev; do
	[[ -e $f ]] && left+=("$f")
done
same "the packages' files are gone" "(none)" "${left[*]:-(none)}"

echo "# package test took $(($(date +%s) - t0)) s"
((failed == 0))
