#!/usr/bin/env bash
# Bad input: one clear line, exit 1, no output file, nothing left behind
# (issue 2 acceptance 4).
. "$(dirname "$0")/test-lib.sh"
use_node_mirror || { echo "cannot build the Node.js mirror"; exit 99; }

test_expect_success 'missing source directory' '
	compile_refused "source '"'"'nowhere'"'"' does not exist" nowhere
'

test_expect_success 'source that is a file' '
	echo hi >file && compile_refused "source '"'"'file'"'"' is not a directory" file
'

test_expect_success 'Procfile with a malformed line names the line' '
	mkdir bad1 && printf "web: node web.js\n\nthis line is wrong\n" >bad1/Procfile &&
	compile_refused "Procfile line 3: expected '"'"'type: command'"'"'" bad1
'

test_expect_success 'duplicate process type names both lines' '
	mkdir bad2 && printf "web: a\nworker: b\nweb: c\n" >bad2/Procfile &&
	compile_refused "Procfile line 3: duplicate process type '"'"'web'"'"' (first defined on line 1)" bad2
'

test_expect_success 'Procfile with no process types' '
	mkdir bad3 && printf "# nothing\n\n" >bad3/Procfile &&
	compile_refused "Procfile declares no process types" bad3
'

test_expect_success 'nothing recognisable: Heroku'"'"'s wording' '
	mkdir bad4 && echo x >bad4/index.js &&
	compile_refused "No default language could be detected for this app" bad4
'

test_expect_success 'no Procfile and no default process type' '
	# Heroku offers Node.js apps "web: npm start" always: a buildpack that offers nothing.
	mkdir -p bad4b bp4/bin && echo hi >bad4b/index.txt &&
	printf "#!/bin/sh\necho Empty\n" >bp4/bin/detect &&
	printf "#!/bin/sh\nexit 0\n" >bp4/bin/compile &&
	printf "#!/bin/sh\necho \"--- {}\"\n" >bp4/bin/release && chmod +x bp4/bin/* &&
	compile_refused "no Procfile in '"'"'bad4b'"'"' and no default process type for Empty" \
		bad4b --buildpack "$PWD/bp4"
'

test_expect_success 'symlink pointing outside the tree names the link' '
	mkdir -p bad5/lib && echo "web: x" >bad5/Procfile && ln -s /etc/passwd bad5/lib/passwd &&
	compile_refused "symlink '"'"'lib/passwd'"'"' points outside the app ('"'"'/etc/passwd'"'"')" bad5
'

test_expect_success 'relative symlink climbing out names the link' '
	mkdir -p bad6/a && echo "web: x" >bad6/Procfile && ln -s ../../.. bad6/a/up &&
	compile_refused "symlink '"'"'a/up'"'"' points outside the app" bad6
'

test_expect_success 'symlink loop names the link' '
	mkdir bad7 && echo "web: x" >bad7/Procfile && ln -s b bad7/a && ln -s a bad7/b &&
	compile_refused "symlink '"'"'a'"'"' is part of a symlink loop" bad7
'

test_expect_success 'a FIFO in the tree' '
	mkdir bad8 && echo "web: x" >bad8/Procfile && mkfifo bad8/pipe &&
	compile_refused "'"'"'pipe'"'"' is a FIFO; a slug may hold only files, directories and symlinks" bad8
'

test_expect_success 'a unix socket in the tree' '
	mkdir bad9 && echo "web: x" >bad9/Procfile &&
	python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" bad9/sock &&
	compile_refused "'"'"'sock'"'"' is a socket" bad9
'

test_expect_success 'output directory that does not exist' '
	mkdir ok && echo "web: x" >ok/Procfile &&
	expect_error 1 "cannot create '"'"'missing/s.tgz'"'"'" slugc compile ok -o missing/s.tgz &&
	test ! -e missing && tmpdir_clean
'

test_expect_success 'output path under a regular file' '
	expect_error 1 "cannot create '"'"'file/s.tgz'"'"'" slugc compile ok -o file/s.tgz
'

test_expect_success 'unwritable output directory' '
	mkdir ro && chmod 555 ro &&
	if [ "$(id -u)" != 0 ]; then
		expect_error 1 "cannot create '"'"'ro/s.tgz'"'"': Permission denied" slugc compile ok -o ro/s.tgz
	elif chattr +i ro 2>/dev/null; then
		# root ignores permission bits, but not the immutable flag.
		if expect_error 1 "cannot create '"'"'ro/s.tgz'"'"': Operation not permitted" \
			slugc compile ok -o ro/s.tgz; then status=0; else status=1; fi
		chattr -i ro && test $status = 0
	else
		# ...nor a read-only file system.
		expect_error 1 "cannot create '"'"'/proc/s.tgz'"'"'" slugc compile ok -o /proc/s.tgz
	fi &&
	test -z "$(ls -A ro)" && tmpdir_clean
'

test_expect_success 'a failed compile keeps an existing slug intact' '
	slugc compile ok -o keep.tgz -q && before=$(sha keep.tgz) &&
	expect_exit 1 slugc compile bad5 -o keep.tgz &&
	equal "$(sha keep.tgz)" "$before" && no_temp_files .
'

test_unprivileged 'an unreadable source file is named' '
	mkdir bad10 && echo "web: x" >bad10/Procfile && echo s >bad10/secret && chmod 000 bad10/secret &&
	compile_refused "cannot read '"'"'secret'"'"'" bad10
'

test_done
