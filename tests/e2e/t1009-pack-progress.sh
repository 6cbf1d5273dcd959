#!/usr/bin/env bash
# Packing shows its progress on a terminal (stderr a TTY): a bar redrawn in
# place with \r, bytes and files of the total, cleared before the result
# line; nothing of it when stderr is not a terminal, with -q or with --json.
# Downloads (a .tgz buildpack over loopback HTTP) likewise.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/buildpacks.sh"

# on_tty ARGS...: slugc ARGS with stderr on a pseudo-terminal; stdout in ./out, the terminal in ./tty.
on_tty() {
	python3 "$TEST_LIB_DIR/lib/on-tty.py" out tty "$SLUGC" "$@"
}
# The bar as drawn: a carriage return, then the label.
BAR=$(printf '\r       Compressing (')

test_expect_success 'setup: an app of a few megabytes' '
	mkdir -p app/data && echo "web: true" >app/Procfile &&
	head -c 3000000 /dev/urandom >app/data/a.bin &&
	head -c 2000000 /dev/urandom >app/data/b.bin
'

test_expect_success 'on a terminal: the bar, of the total, cleared before the result' '
	on_tty compile app -o s.tgz &&
	contains tty "$BAR" && contains tty "of 3 files)" && contains tty "/ 4.8 MB (" &&
	contains out "-----> Compressing..." && contains out "Done:" && test -s s.tgz &&
	: the last thing on the terminal clears the bar: a carriage return, blanks, a carriage return &&
	python3 -c "import sys; d=open(\"tty\",\"rb\").read(); sys.exit(not (d.endswith(b\"\\r\") and not d.split(b\"\\r\")[-2].strip(b\" \")))"
'

test_expect_success 'not a terminal, -q, --json: no bar' '
	expect_exit 0 slugc compile app -o s2.tgz &&
	not_contains err "Compressing (" && ! grep -q "$(printf "\r")" err &&
	on_tty compile app -o s3.tgz -q && not_contains tty "Compressing (" &&
	on_tty compile app -o s4.tgz --json && not_contains tty "Compressing (" &&
	contains tty "-----> Compressing..." &&
	cmp s.tgz s2.tgz && cmp s.tgz s3.tgz && cmp s.tgz s4.tgz
'

# A buildpack of a few megabytes on a loopback HTTP server.
mkdir -p www bp-app
make_buildpack bp "echo Big" "true" "printf -- '---\ndefault_process_types:\n  web: true\n'"
head -c 3000000 /dev/urandom >bp/blob
tar -czf www/bp.tgz -C bp bin blob
echo x >bp-app/x.txt
start_mirror "$TRASH/www" || exit 99

# The download bar: a carriage return, the indent, the buildpack's name, bytes of the total.
DL=$(printf '\r       bp  ')

test_expect_success 'a download draws its bar on a terminal, not with --json or -q' '
	on_tty compile bp-app --buildpack "$MIRROR_URL/bp.tgz" -o d1.tgz &&
	contains tty "$DL" && contains tty " / 2.9 MB (" &&
	on_tty compile bp-app --buildpack "$MIRROR_URL/bp.tgz" -o d2.tgz --json &&
	not_contains tty "$DL" && contains tty "-----> " &&
	on_tty compile bp-app --buildpack "$MIRROR_URL/bp.tgz" -o d3.tgz -q &&
	not_contains tty "$DL" &&
	cmp d1.tgz d2.tgz && cmp d1.tgz d3.tgz
'

test_done
