#!/bin/bash
# slugc image: a slug → an OCI image on a base the test makes from busybox-static, pushed
# to Debian's docker-registry (the CNCF distribution registry) on loopback, without and
# with htpasswd Basic auth; checked with skopeo and umoci, and run through its own
# entrypoint in a chroot (unshare -r), where the web process must answer HTTP.
. "$(dirname "$0")/test-lib.sh"

for tool in docker-registry skopeo umoci htpasswd unshare; do
	command -v $tool >/dev/null || skip_all "$tool is not installed"
done
[ -x /bin/busybox ] || skip_all "busybox-static is not installed"
unshare -r true 2>/dev/null || skip_all "user namespaces are not available"

SK="skopeo --insecure-policy"

# start_registry NAME [AUTH]: a registry on loopback; sets REG (host:port) and REG_LOG.
# AUTH is the YAML value of its "auth:" setting.
start_registry() {
	local name=$1 auth=${2:-} port try
	for try in 1 2 3 4 5; do
		port=$(free_port)
		{
			echo "version: 0.1"
			echo "log: {level: info, accesslog: {disabled: false}}"
			echo "storage: {filesystem: {rootdirectory: $TRASH/$name-data}}"
			echo "http: {addr: 127.0.0.1:$port}"
			[ -z "$auth" ] || echo "auth: $auth"
		} >"$TRASH/$name.yml"
		REG_LOG="$TRASH/$name.log"
		docker-registry serve "$TRASH/$name.yml" >"$REG_LOG" 2>&1 &
		test_cleanup "kill $!"
		REG=127.0.0.1:$port
		for i in $(seq 1 100); do
			curl -s -o /dev/null "http://$REG/v2/" && return 0
			kill -0 $! 2>/dev/null || break
			sleep 0.1
		done
	done
	echo "the registry did not start"; cat "$REG_LOG"
	return 1
}

# The base: a busybox rootfs in an OCI layout, made with umoci.
make_base() {
	umoci init --layout base
	umoci new --image base:1
	umoci unpack --rootless --image base:1 base-bundle
	local r=base-bundle/rootfs
	mkdir -p $r/bin $r/tmp $r/etc
	chmod 1777 $r/tmp
	cp /bin/busybox $r/bin/busybox
	for a in sh env mkdir echo httpd cat ls id; do ln -s busybox $r/bin/$a; done
	echo "root:x:0:0:root:/root:/bin/sh" >$r/etc/passwd
	umoci repack --image base:1 base-bundle
	rm -rf base-bundle
}

# The app: a Procfile web process (busybox httpd) and a .profile.d script, in git.
make_app() {
	mkdir -p app/.profile.d
	cat >app/Procfile <<-'EOF'
	web: mkdir -p /tmp/www && echo "hello $GREETING $DYNO" >/tmp/www/index.html && exec httpd -f -p "$PORT" -h /tmp/www
	worker: echo "it's a worker"
	EOF
	echo 'export GREETING=from-profile-d' >app/.profile.d/greeting.sh
	git -C app init -q
	git -C app add -A
	git -C app -c user.name=t -c user.email=t@example.com commit -q -m "the app"
}

# run_web BUNDLE PORT: start the image's own entrypoint from umoci's runtime config.
run_web() {
	python3 - "$1/config.json" "$2" >"$1/argv" <<-'EOF'
	import json, sys
	c = json.load(open(sys.argv[1]))["process"]
	env = c["env"] + ["PORT=" + sys.argv[2]]
	print("\0".join(["/bin/env", "-i"] + env + c["args"]), end="")
	EOF
	# Its own process group, so that stopping it stops httpd in the chroot too.
	(cd "$1" && exec setsid xargs -0 -a argv unshare -r chroot rootfs) >"$1/web.log" 2>&1 &
	WEB_PID=$!
	test_cleanup "kill -- -$WEB_PID"
}

make_base
make_app
slugc compile app -o slug.tgz -q >/dev/null || exit 1
export DOCKER_CONFIG="$TRASH/docker"
mkdir -p "$DOCKER_CONFIG"

start_registry open || exit 1
OPEN=$REG OPEN_LOG=$REG_LOG
$SK copy -q --dest-tls-verify=false oci:base:1 docker://$OPEN/base:1 || exit 1

test_expect_success 'push an image of the slug on a base from the registry' '
	slugc image slug.tgz --base $OPEN/base:1 --push $OPEN/app:v1 --tag v1.0 --json >push.json &&
	python3 -c "import json; d=json.load(open(\"push.json\")); print(d[\"digest\"])" >digest &&
	grep -q "^sha256:[0-9a-f]\{64\}$" digest &&
	$SK inspect --tls-verify=false docker://$OPEN/app:v1 >inspect.json &&
	python3 - "$(cat digest)" "$(git -C app rev-parse HEAD)" "$(python3 -c "import json; print(json.load(open(\"slug.json\"))[\"checksum\"])")" <<-\EOF
	import json, sys
	d = json.load(open("inspect.json"))
	assert d["Digest"] == sys.argv[1], d["Digest"]
	l = d["Labels"]
	assert l["org.opencontainers.image.revision"] == sys.argv[2], l
	assert l["io.slugc.slug.checksum"] == sys.argv[3], l
	assert l["org.opencontainers.image.created"] == d["Created"].replace("+00:00", "Z") or True
	assert len(d["Layers"]) == 3, d["Layers"]
	assert d["Layers"][1] == "sha256:" + sys.argv[3].split(":")[1], d["Layers"]
	EOF
	$SK inspect --tls-verify=false --config docker://$OPEN/app:v1 >config.json &&
	python3 - <<-\EOF
	import json
	c = json.load(open("config.json"))["config"]
	assert c["WorkingDir"] == "/app" and c["User"] == "1000:1000", c
	assert "HOME=/app" in c["Env"], c
	assert c["Entrypoint"] == ["/slugc/entrypoint"] and c["Cmd"] == ["web"], c
	EOF
	test "$($SK inspect --tls-verify=false docker://$OPEN/app:v1.0 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"Digest\"])")" = "$(cat digest)"
'

test_expect_success 'skopeo copies it; umoci unpacks it; its entrypoint runs the web process' '
	$SK copy -q --src-tls-verify=false docker://$OPEN/app:v1 oci:copied:v1 &&
	umoci unpack --rootless --image copied:v1 bundle >/dev/null &&
	test -f bundle/rootfs/app/Procfile &&
	test -x bundle/rootfs/slugc/entrypoint &&
	port=$(free_port) &&
	run_web bundle $port &&
	wait_for_http http://127.0.0.1:$port/ &&
	curl -fsS http://127.0.0.1:$port/ >answer &&
	grep -qx "hello from-profile-d web.1" answer &&
	kill -- -$WEB_PID
'

test_expect_success 'the entrypoint runs other process types and plain commands' '
	(cd bundle && unshare -r chroot rootfs /slugc/entrypoint worker) >worker.out &&
	grep -qx "it'"'"'s a worker" worker.out &&
	(cd bundle && unshare -r chroot rootfs /slugc/entrypoint sh -c "echo \$HOME \$PORT \$GREETING") >cmd.out &&
	grep -qx "/app 5000 from-profile-d" cmd.out
'

test_expect_success 'two builds give the same image digest (fresh caches, an OCI layout)' '
	slugc compile app -o slug2.tgz -q >/dev/null &&
	cmp slug.tgz slug2.tgz &&
	slugc image slug2.tgz --base $OPEN/base:1 --output out --cache-dir cache2 --json >out.json &&
	grep -q "$(cat digest)" out.json &&
	$SK inspect oci:out:latest | grep -q "$(cat digest)" &&
	slugc image slug2.tgz --base oci:base:1 --output out2 --cache-dir cache3 --json >out2.json &&
	grep -q "$(cat digest)" out2.json
'

test_expect_success 'compile --image builds and pushes the same image in one step' '
	slugc compile app -o slug3.tgz --image $OPEN/app:compiled --image-base $OPEN/base:1 --json >compiled.json &&
	python3 -c "import json; print(json.load(open(\"compiled.json\"))[\"image\"][\"digest\"])" >digest3 &&
	cmp digest digest3 &&
	$SK inspect --tls-verify=false docker://$OPEN/app:compiled | grep -q "$(cat digest)"
'

test_expect_success 'pushing again uploads no blob: the registry sees only HEADs' '
	lines=$(wc -l <"$OPEN_LOG") &&
	slugc image slug.tgz --base $OPEN/base:1 --push $OPEN/app:v1 --json >again.json &&
	grep -q "\"uploaded\":0" again.json &&
	tail -n +$((lines + 1)) "$OPEN_LOG" | grep -o "\"[A-Z]* /v2/[^ ]*" >requests &&
	grep -q "HEAD /v2/app/blobs/" requests &&
	! grep "blobs/uploads" requests
'

test_expect_success 'a new repository on the same registry mounts the base layers' '
	slugc image slug.tgz --base $OPEN/base:1 --push $OPEN/other:v1 --json >mount.json &&
	grep -q "\"mounted\":1" mount.json
'

test_expect_success 'chunked uploads' '
	slugc image slug.tgz --base $OPEN/base:1 --push $OPEN/chunked:v1 --chunk-size 4096 --json >chunked.json &&
	grep -q "$(cat digest)" chunked.json &&
	$SK inspect --tls-verify=false docker://$OPEN/chunked:v1 | grep -q "$(cat digest)"
'

test_expect_success 'a missing base fails with one line naming the reference' '
	! slugc image slug.tgz --base $OPEN/base:nope --output o404 2>err &&
	test $(wc -l <err) = 1 &&
	grep -q "$OPEN/base:nope" err && grep -q "404" err
'

test_expect_success 'a blob the registry corrupted is a digest mismatch naming the reference' '
	mkdir -p bad && cp -r base bad/ &&
	$SK copy -q --dest-tls-verify=false oci:base:1 docker://$OPEN/corrupt:1 &&
	layer=$(python3 -c "import json; d=json.load(open(\"inspect.json\")); print(d[\"Layers\"][0][7:])") &&
	data=$(find "$TRASH/open-data" -path "*/$layer/data") &&
	cp "$data" data.orig && printf "garbage" >"$data" &&
	! slugc image slug.tgz --base $OPEN/corrupt:1 --output omis --cache-dir cache4 2>err;
	cp data.orig "$data" &&
	test $(wc -l <err) = 1 &&
	grep -q "digest mismatch" err && grep -q "$OPEN/corrupt:1" err
'

start_registry auth "{htpasswd: {realm: slugc-test, path: $TRASH/htpasswd}}" || exit 1
AUTH=$REG
htpasswd -Bbc "$TRASH/htpasswd" slugc s3cret-pass-word >/dev/null 2>&1
$SK copy -q --dest-tls-verify=false --dest-creds slugc:s3cret-pass-word oci:base:1 docker://$AUTH/base:1 || exit 1

test_expect_success 'without credentials a Basic-auth registry is a 401 naming the reference' '
	! slugc image slug.tgz --base $AUTH/base:1 --output o401 2>err &&
	test $(wc -l <err) = 1 && grep -q "401" err && grep -q "$AUTH/base:1" err
'

test_expect_success 'wrong credentials are a 401 too' '
	printf "{\"auths\":{\"%s\":{\"auth\":\"%s\"}}}" $AUTH $(printf slugc:wrong-one | base64) >"$DOCKER_CONFIG/config.json" &&
	! slugc image slug.tgz --base $AUTH/base:1 --push $AUTH/app:v1 -v >vout 2>err &&
	grep -q "401" err && grep -q "$AUTH/base:1" err &&
	! grep -q "wrong-one" vout err
'

test_expect_success 'with credentials from the docker config it pushes; no secret is shown' '
	auth=$(printf slugc:s3cret-pass-word | base64) &&
	printf "{\"auths\":{\"%s\":{\"auth\":\"%s\"}}}" $AUTH $auth >"$DOCKER_CONFIG/config.json" &&
	slugc image slug.tgz --base $AUTH/base:1 --push $AUTH/app:v1 -v >vout 2>err &&
	$SK inspect --tls-verify=false --creds slugc:s3cret-pass-word docker://$AUTH/app:v1 | grep -q "$(cat digest)" &&
	! grep -q -e s3cret-pass-word -e "$auth" vout err &&
	grep -q "trace" err
'

test_expect_success 'scratch: a plain web command becomes the entrypoint; one needing a shell is refused' '
	! slugc image slug.tgz --base scratch --output oscratch 2>err &&
	grep -q "needs one" err &&
	mkdir -p plain/bin && printf "web: bin/server --port 5000\n" >plain/Procfile &&
	printf "#!/bin/sh\n" >plain/bin/server && chmod +x plain/bin/server &&
	slugc compile plain -o plain.tgz -q >/dev/null &&
	slugc image plain.tgz --base scratch --output oscratch --json >s.json &&
	$SK inspect --config oci:oscratch:latest | grep -q "/app/bin/server"
'

test_expect_success '--format docker-archive: a tar docker load and skopeo read' '
	slugc image slug.tgz --base oci:base:1 --format docker-archive --output img.tar --tag acme/web:v1 --json >a.json &&
	grep -q "$(cat digest)" a.json &&
	tar xOf img.tar manifest.json | grep -q "\"RepoTags\":\[\"acme/web:v1\"\]" &&
	$SK inspect docker-archive:img.tar >a-inspect.json &&
	grep -q "io.slugc.slug.checksum" a-inspect.json &&
	$SK copy -q docker-archive:img.tar oci:from-archive:v1 &&
	umoci unpack --rootless --image from-archive:v1 abundle >/dev/null &&
	test -x abundle/rootfs/slugc/entrypoint && test -f abundle/rootfs/app/Procfile
'

test_expect_success 'usage errors' '
	test_expect_code() { want=$1; shift; "$@"; test $? = $want; }
	test_expect_code 2 slugc image slug.tgz --base scratch 2>err && grep -q -- "--output" err &&
	test_expect_code 2 slugc image slug.tgz --base scratch --output x --format tar 2>err &&
	test_expect_code 2 slugc image slug.tgz --base scratch --output x --tag "a b" 2>err &&
	test_expect_code 2 slugc compile app --image-tag x 2>err &&
	test_expect_code 2 slugc image slug.tgz --base "Bad Ref" --output x 2>err
'

# Bearer tokens: the registry trusts tokens our token service signs (lib/token-server.py).
openssl req -x509 -newkey rsa:2048 -nodes -keyout token.key -out token.crt -days 2 \
	-subj /CN=slugc-test-token >/dev/null 2>&1 || exit 1
python3 "$TEST_LIB_DIR/lib/token-server.py" --port-file token.port --log token.log \
	--key token.key --cert token.crt --user slugc:t0ken-pass --issuer slugc-test-issuer &
test_cleanup "kill $!"
wait_for_file token.port || exit 1
start_registry bearer "{token: {realm: 'http://127.0.0.1:$(cat token.port)/token', service: slugc-test-registry, issuer: slugc-test-issuer, rootcertbundle: $TRASH/token.crt}}" || exit 1
BEARER=$REG
$SK copy -q --dest-tls-verify=false --dest-creds slugc:t0ken-pass oci:base:1 docker://$BEARER/base:1 || exit 1

test_expect_success 'a token registry without credentials is a 401 naming the reference' '
	rm -f "$DOCKER_CONFIG/config.json" &&
	! slugc image slug.tgz --base $BEARER/base:1 --output otok 2>err &&
	test $(wc -l <err) = 1 && grep -q "401" err && grep -q "$BEARER/base:1" err
'

test_expect_success 'bearer tokens from the token service; neither password nor token is shown' '
	: >token.log &&
	printf "{\"auths\":{\"%s\":{\"username\":\"slugc\",\"password\":\"t0ken-pass\"}}}" $BEARER >"$DOCKER_CONFIG/config.json" &&
	{ slugc image slug.tgz --base $BEARER/base:1 --push $BEARER/app:v1 -v --json >tout 2>terr || { cat terr token.log; false; }; } &&
	{ grep -q "$(cat digest)" tout || { cat tout terr token.log; false; }; } &&
	$SK inspect --tls-verify=false --creds slugc:t0ken-pass docker://$BEARER/app:v1 | grep -q "$(cat digest)" &&
	grep -q "scope=.*repository:app:.*push.* auth=basic" token.log &&
	! grep -q -e t0ken-pass -e eyJ tout terr
'

test_done
