#!/usr/bin/env bash
# Pin files are read whole or refused (issue 13, item 7): an inventory.toml
# in any form TOML allows pins its runtimes (literal strings used to be
# skipped, leaving the build unpinned), and one slugc cannot read exactly
# fails the build, naming the file and line.
. "$(dirname "$0")/test-lib.sh"

serve_node_mirror || exit 99
ZERO=0000000000000000000000000000000000000000000000000000000000000000
URL18="https://nodejs.org/download/release/v18.20.4/node-v18.20.4-linux-x64.tar.gz"
GOOD=$(grep linux-x64.tar.gz "$NODE_MIRROR/v18.20.4/SHASUMS256.txt" | cut -d" " -f1)

test_expect_success 'a pin written with literal strings is read (and a wrong one stops the build)' '
	cat >lit.toml <<-EOF &&
	[[artifacts]]
	version = '"'"'18.20.4'"'"'
	url = '"'"'$URL18'"'"'
	checksum = '"'"'sha256:$ZERO'"'"'
	EOF
	expect_error 1 "the pin in lit.toml says node-v18.20.4-linux-x64.tar.gz has sha256 $ZERO" \
		slugc resolve nodejs 18.x --mirror "$M" --inventory lit.toml &&
	sed -i "s/$ZERO/$GOOD/" lit.toml &&
	expect_exit 0 slugc resolve nodejs 18.x --mirror "$M" --inventory lit.toml
'

test_expect_success 'inline tables, multi-line strings and escapes pin too' '
	cat >forms.toml <<-EOF &&
	artifacts = [ { url = "$URL18", checksum = """sha256:\\
	    $ZERO""" } ]
	EOF
	expect_error 1 "the pin in forms.toml says node-v18.20.4-linux-x64.tar.gz has sha256 $ZERO" \
		slugc resolve nodejs 18.x --mirror "$M" --inventory forms.toml
'

test_expect_success 'a malformed [[artifacts] header fails, naming the file and line' '
	printf "# pins\n[[artifacts]\nurl = \"%s\"\nchecksum = \"sha256:%s\"\n" "$URL18" "$ZERO" >bad.toml &&
	expect_error 1 "bad.toml:2: table header not closed with '"'"']]'"'"'" \
		slugc resolve nodejs 18.x --mirror "$M" --inventory bad.toml
'

test_expect_success 'the app'"'"'s own inventory.toml is held to the same rules' '
	mkdir app && cp "$EXAMPLES/node-hello/"* app/ &&
	printf "[[artifacts]]\nurl = \"x\"\nchecksum = \"sha256:%s\"\nurl = \"y\"\n" "$ZERO" >app/inventory.toml &&
	expect_error 1 "inventory.toml:4: duplicate key '"'"'url'"'"' (first defined on line 2)" \
		slugc compile app --mirror "$M" -o app.tgz &&
	test ! -e app.tgz &&
	printf "[[artifacts]]\nurl = \"%s\"\nchecksum = \"md5:abc\"\n" "$URL18" >app/inventory.toml &&
	sed -i "s/\"20.x\"/\"18.x\"/" app/package.json &&
	expect_error 1 "inventory.toml:1: the artifact for '"'"'$URL18'"'"' has checksum '"'"'md5:abc'"'"'" \
		slugc compile app --mirror "$M" -o app.tgz &&
	test ! -e app.tgz
'

test_done
