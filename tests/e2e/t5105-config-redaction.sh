#!/usr/bin/env bash
# Config values never reach the output in clear (issue 13, item 5): the
# password of every URL-shaped value, and every value of a secret-looking
# name, are redacted from build step output, -v traces, --json and error
# lines; short or plain values (ports, "true") are left readable.
. "$(dirname "$0")/test-lib.sh"

serve_node_mirror || exit 99

mkdir env &&
printf "postgres://u:PASSWORD-in-url@db/x\n" >env/DATABASE_URL &&
printf "redis://:pw7char@cache:6379\n" >env/REDIS_URL &&
printf "amqp://guest:p%%40ss-encoded@mq/vh\n" >env/CLOUDAMQP_URL &&
printf "t0k3n-abcdef-123\n" >env/API_TOKEN &&
printf "true\n" >env/AUTH_ENABLED &&
printf "ab\n" >env/SHORT_SECRET &&
printf "5432\n" >env/DB_PORT
SECRETS="PASSWORD-in-url pw7char p%40ss-encoded p@ss-encoded t0k3n-abcdef-123 inline-pw"

mkdir app && cp "$EXAMPLES/node-hello/"* app/
cat >app/build.sh <<'EOS'
echo "db: $DATABASE_URL"
echo "redis: $REDIS_URL"
echo "mq: $CLOUDAMQP_URL"
echo "password alone: $(node -e 'console.log(decodeURIComponent(new URL(process.env.CLOUDAMQP_URL).password))')"
echo "db password alone: $(node -e 'console.log(new URL(process.env.DATABASE_URL).password)')"
echo "token: $API_TOKEN auth=$AUTH_ENABLED port=$DB_PORT"
echo "curl -sS 'https://deploy:inline-pw@example.invalid/x'"
EOS
python3 -c '
import json
p = json.load(open("app/package.json"))
p["scripts"]["build"] = "sh build.sh"
json.dump(p, open("app/package.json", "w"))'

# none_of FILE...: none of the secrets appears in the files.
none_of() {
	local s
	for s in $SECRETS; do
		if grep -F -- "$s" "$@"; then
			echo "'$s' was printed"
			return 1
		fi
	done
}

test_expect_success 'build step output shows no URL password and no secret value' '
	expect_exit 0 slugc compile app --mirror "$M" --env-dir env -o app.tgz &&
	contains out "db: postgres://u:[REDACTED]@db/x" &&
	contains out "redis: redis://:[REDACTED]@cache:6379" &&
	contains out "mq: amqp://guest:[REDACTED]@mq/vh" &&
	contains out "password alone: [REDACTED]" &&
	contains out "db password alone: [REDACTED]" &&
	contains out "token: [REDACTED] auth=true port=5432" &&
	contains out "https://deploy:[REDACTED]@example.invalid/x" &&
	contains err "SHORT_SECRET is shorter than 4 characters" &&
	none_of out err app.json
'

test_expect_success '-v traces and --json show none either' '
	expect_exit 0 slugc compile -v app --mirror "$M" --env-dir env -o v.tgz &&
	contains out "db: postgres://u:[REDACTED]@db/x" &&
	none_of out err v.json &&
	expect_exit 0 slugc compile --json app --mirror "$M" --env-dir env -o j.tgz &&
	json out "d" >/dev/null &&
	none_of out err j.json
'

test_expect_success 'a failing step'"'"'s error line is redacted too' '
	echo "exit 3" >>app/build.sh &&
	# With -q the step is not shown as it runs: its last lines join the error line.
	expect_error 1 "failed with exit status 3; last output:" \
		slugc compile app -q --mirror "$M" --env-dir env -o fail.tgz &&
	contains err "postgres://u:[REDACTED]@db/x" &&
	none_of out err
'

test_done
