# Small classic buildpacks written by the tests (tests/e2e/t6*-*.sh).
#
#   make_buildpack DIR DETECT COMPILE [RELEASE]
# writes DIR/bin/detect, DIR/bin/compile and (when given) DIR/bin/release,
# each a /bin/sh script whose body is the argument.

make_buildpack() {
	local dir=$1
	mkdir -p "$dir/bin"
	printf '#!/bin/sh\n%s\n' "$2" >"$dir/bin/detect"
	printf '#!/bin/sh\nset -e\n%s\n' "$3" >"$dir/bin/compile"
	if [ $# -ge 4 ]; then
		printf '#!/bin/sh\n%s\n' "$4" >"$dir/bin/release"
	fi
	chmod +x "$dir"/bin/*
}

# marker_buildpack DIR NAME: detects NAME.marker, writes bin/NAME-tool (prints "NAME tool")
# into the app, exports PATH to it, and releases "web: NAME-tool".
marker_buildpack() {
	make_buildpack "$1" \
		"[ -f \"\$1/$2.marker\" ] && echo '$2' && exit 0; exit 1" \
		"mkdir -p \"\$1/bin\"
printf '#!/bin/sh\necho $2 tool\n' >\"\$1/bin/$2-tool\"
chmod +x \"\$1/bin/$2-tool\"
echo \"export PATH=\\\"\$1/bin:\\\$PATH\\\"\" >\"\$(dirname \"\$0\")/../export\"
echo \"$2 compiled\"" \
		"printf -- '---\ndefault_process_types:\n  web: $2-tool\n'"
}
