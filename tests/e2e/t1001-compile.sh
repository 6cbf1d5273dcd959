#!/usr/bin/env bash
# compile turns examples/node-hello into a slug and a manifest (issue 2 acceptance 1).
. "$(dirname "$0")/test-lib.sh"
use_node_mirror || { echo "cannot build the Node.js mirror"; exit 99; }

test_expect_success 'compile node-hello' '
	cp -r "$EXAMPLES/node-hello" app &&
	expect_exit 0 slugc compile app -o s.tgz &&
	test -f s.tgz && test -f s.json &&
	contains out "-----> Node.js app detected" &&
	contains out "-----> Discovering process types" &&
	grep -q "Procfile declares types *-> web$" out
'

test_expect_success 'the listing starts with ./app/ and holds web.js and Procfile' '
	tar tzf s.tgz >list &&
	equal "$(head -n 1 list)" "./app/" &&
	grep -qx "./app/web.js" list &&
	grep -qx "./app/Procfile" list &&
	grep -qx "./app/package.json" list
'

test_expect_success 'process_types is {"web": "node web.js"}' '
	equal "$(json s.json "d[\"process_types\"]")" "{\"web\": \"node web.js\"}"
'

test_expect_success 'checksum is the sha256 of the file and size its length' '
	equal "$(json s.json "d[\"checksum\"]")" "SHA256:$(sha s.tgz)" &&
	equal "$(json s.json "d[\"size\"]")" "$(size_of s.tgz)"
'

test_expect_success 'the manifest has exactly the fields of DESIGN.md' '
	equal "$(json s.json "sorted(d)")" \
		"[\"buildpack_provided_description\", \"checksum\", \"commit\", \"commit_description\", \"process_types\", \"size\", \"slugc\", \"stack\"]" &&
	equal "$(json s.json "sorted(d[\"slugc\"])")" \
		"[\"buildpacks\", \"compression_level\", \"detected\", \"entries\", \"files\", \"rebuild\", \"runtimes\", \"source\", \"source_date_epoch\", \"unpacked_size\", \"version\"]" &&
	equal "$(json s.json "d[\"buildpack_provided_description\"]")" "Node.js" &&
	equal "$(json s.json "d[\"slugc\"][\"buildpacks\"]")" "[\"nodejs\"]" &&
	equal "$(json s.json "d[\"slugc\"][\"detected\"][0][\"requirement\"]")" "20.x" &&
	equal "$(json s.json "sorted(d[\"slugc\"][\"source\"])")" \
		"[\"app_dir\", \"dirty\", \"kind\", \"rev\", \"url\"]" &&
	equal "$(json s.json "d[\"stack\"]")" "heroku-24" &&
	equal "$(json s.json "d[\"commit\"]")" "null" &&
	equal "$(json s.json "d[\"slugc\"][\"files\"]")" "$(slugtool list s.tgz | grep -c "^f ")" &&
	equal "$(json s.json "d[\"slugc\"][\"source_date_epoch\"]")" "315532800" &&
	equal "$(json s.json "d[\"slugc\"][\"source\"][\"kind\"]")" "dir" &&
	equal "$(json s.json "d[\"slugc\"][\"source\"][\"url\"]")" "$TRASH/app"
'

test_expect_success 'the runtime is in the slug, recorded in the manifest' '
	grep -qx "./app/.heroku/node/bin/node" list &&
	grep -qx "./app/.profile.d/nodejs.sh" list &&
	equal "$(json s.json "d[\"slugc\"][\"runtimes\"][0][\"name\"]")" nodejs &&
	equal "$(json s.json "d[\"slugc\"][\"runtimes\"][0][\"version\"]")" 20.20.2 &&
	equal "$(json s.json "d[\"slugc\"][\"runtimes\"][0][\"url\"]")" "$SLUGC_MIRROR_NODEJS/v20.20.2/node-v20.20.2-linux-x64.tar.gz" &&
	grep -q "$(json s.json "d[\"slugc\"][\"runtimes\"][0][\"sha256\"]")  node-v20.20.2-linux-x64.tar.gz" "$NODE_MIRROR/v20.20.2/SHASUMS256.txt"
'

test_expect_success 'the source is never modified' '
	(cd app && find . -printf "%p %m %s %T@\n" | sort && cat Procfile web.js package.json | sha256sum) >before &&
	slugc compile app -o again.tgz -q &&
	(cd app && find . -printf "%p %m %s %T@\n" | sort && cat Procfile web.js package.json | sha256sum) >after &&
	cmp before after
'

test_expect_success 'manifest path: --manifest, .tgz and .tar.gz rules' '
	slugc compile app -o x.tar.gz -q && test -f x.json &&
	slugc compile app -o noext -q && test -f noext.json &&
	slugc compile app -o y.tgz --manifest meta/y-manifest.json -q 2>err || true &&
	contains err "meta/y-manifest.json" && test ! -e y.tgz &&
	mkdir meta && slugc compile app -o y.tgz --manifest meta/y-manifest.json -q &&
	test -f meta/y-manifest.json && test ! -e y.json
'

test_expect_success 'default output is ./slug.tgz with slug.json' '
	mkdir here && (cd here && slugc compile ../app -q) &&
	test -f here/slug.tgz && test -f here/slug.json
'

test_expect_success '--stack is recorded' '
	slugc compile app -o s22.tgz --stack heroku-22 -q &&
	equal "$(json s22.json "d[\"stack\"]")" "heroku-22"
'

test_expect_success '--json prints one document on stdout and nothing else' '
	expect_exit 0 slugc compile app -o j.tgz --json &&
	equal "$(wc -l <out)" 1 &&
	equal "$(json out "d[\"slug\"]")" "j.tgz" &&
	equal "$(json out "d[\"manifest\"][\"checksum\"]")" "SHA256:$(sha j.tgz)" &&
	equal "$(json out "d[\"manifest_path\"]")" "j.json"
'

test_expect_success '-q prints nothing on success' '
	expect_exit 0 slugc compile app -o q.tgz -q &&
	test ! -s out && test ! -s err
'

test_expect_success 'the build directory is removed afterwards' '
	tmpdir_clean
'

test_done
