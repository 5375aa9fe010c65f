#!/usr/bin/env bash
# inroot.sh ROOT UPPER COMMAND...: run COMMAND (e.g. dpkg --root=ROOT -i
# dezura_1.0_amd64.deb) against ROOT, a throwaway Debian root made on first
# use: a fresh /etc (root's account and the host's PAM, login.defs and
# adduser settings, as a new Debian install has), an empty dpkg database
# that knows only adduser (the package's one dependency), and the host's
# /usr seen through an overlay whose writes land in UPPER. dpkg runs the
# maintainer scripts chrooted into ROOT, where adduser, chown and
# dpkg-statoverride are the host's own programs and change only ROOT's
# files. Everything is mounted in a private mount namespace that ends with
# COMMAND, so nothing stays mounted and the host is untouched; UPPER keeps
# what the package put under /usr. Needs root (mount, chroot).
set -euo pipefail
if [[ -z ${INROOT_NS:-} ]]; then
	INROOT_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi
R=$1 UP=$2
shift 2
if [[ ! -e $R/var/lib/dpkg/status ]]; then
	mkdir -p "$R"/{etc,tmp,dev,usr,run,root} "$R"/var/lib/dpkg/{info,updates,triggers}
	chmod 1777 "$R/tmp"
	for l in bin sbin lib lib64; do ln -s "usr/$l" "$R/$l"; done
	dpkg-query -s adduser fonts-ipaexfont-gothic >"$R/var/lib/dpkg/status"
	touch "$R/var/lib/dpkg/available" "$R/var/lib/dpkg/info/adduser.list" "$R/var/lib/dpkg/info/fonts-ipaexfont-gothic.list"
	printf 'root:x:0:0:root:/root:/bin/bash\n' >"$R/etc/passwd"
	printf 'root:x:0:\n' >"$R/etc/group"
	printf 'root:*::0:::::\n' >"$R/etc/shadow"
	printf 'root:*::\n' >"$R/etc/gshadow"
	chmod 0640 "$R/etc/shadow" "$R/etc/gshadow"
	for f in pam.d pam.conf security login.defs adduser.conf nsswitch.conf; do
		if [[ -e /etc/$f ]]; then cp -a "/etc/$f" "$R/etc/"; fi
	done
	mkdir -p "$UP/upper" "$UP/work"
fi
mount -t overlay overlay -o "lowerdir=/usr,upperdir=$UP/upper,workdir=$UP/work" "$R/usr"
touch "$R/dev/null"
mount --bind /dev/null "$R/dev/null"
"$@"
