#!/usr/bin/env bash
# slugc deploy as documented: without -o nothing is left behind; -o and
# --manifest keep them; -q and -v apply to the whole deploy (-v traces each
# request, as publish -v does).
. "$(dirname "$0")/test-lib.sh"

start_platform || exit 99
APP="$SLUGC_SOURCE_DIR/tests/fixtures/apps/static"

test_expect_success 'deploy without -o leaves no slug or manifest, here or in TMPDIR' '
	mkdir work && cd work &&
	expect_exit 0 slugc deploy "$APP" --app staging &&
	contains out "Released v1 on staging" &&
	equal "$(ls -A | grep -v "^out$\|^err$")" "" && tmpdir_clean
'

test_expect_success 'deploy -o keeps the slug and its manifest, byte for byte what was released' '
	expect_exit 0 slugc deploy "$APP" --app staging -o kept.tgz &&
	test -f kept.tgz && test -f kept.json &&
	slug=$(curl -fsS -H "Authorization: Bearer test-token" -H "Accept: application/vnd.heroku+json; version=3" \
		"$PLATFORM_URL/apps/staging/releases/2" | jq -r .slug.id) &&
	curl -fsS "$PLATFORM_URL/blobs/$slug" -o blob.tgz && cmp blob.tgz kept.tgz
'

test_expect_success 'deploy --manifest without -o keeps only the manifest' '
	mkdir m && cd m &&
	expect_exit 0 slugc deploy "$APP" --app staging --manifest rel.json &&
	test -f rel.json && test ! -e slug.tgz && equal "$(ls -A | grep -v "^out$\|^err$")" rel.json
'

test_expect_success 'deploy -v traces every request, as publish -v does' '
	expect_exit 0 slugc deploy "$APP" --app staging -v &&
	contains err "trace: http: POST $PLATFORM_URL/apps/staging/slugs -> 201" &&
	contains err "trace: http: POST $PLATFORM_URL/apps/staging/releases -> 201" &&
	contains err "trace: stage pack" &&
	not_contains err "test-token"
'

test_expect_success 'deploy -q prints nothing but warnings and errors' '
	expect_exit 0 slugc deploy "$APP" --app staging -q &&
	test ! -s out && test ! -s err
'

test_done
