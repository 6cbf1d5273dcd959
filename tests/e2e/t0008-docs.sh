#!/usr/bin/env bash
# The documentation is tested: every slugc command line in README.md,
# docs/*.md, examples/ and the man page's EXAMPLES parses (its options exist
# for that command, with valid values), and every option a command takes is
# in the man page and its README table row, and the reverse
# (tests/e2e/lib/doc-check.py; extend its EXTRA_FILES and ALLOWED).
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'every documented command line parses' '
	python3 "$TEST_LIB_DIR/lib/doc-check.py" "$SLUGC" "$SLUGC_SOURCE_DIR" examples >report ||
	{ cat report; exit 1; }
	contains report "examples parsed"
'

test_expect_success 'every option is in --help, the man page and the README table, and the reverse' '
	python3 "$TEST_LIB_DIR/lib/doc-check.py" "$SLUGC" "$SLUGC_SOURCE_DIR" flags >report ||
	{ cat report; exit 1; }
	contains report "options checked"
'

test_expect_success 'the checker fails on a documented option that does not exist' '
	mkdir -p fake/docs && cp "$SLUGC_SOURCE_DIR/docs/slugc.1" fake/docs/ &&
	printf "%s\n" "# x" "" "\`\`\`sh" "slugc compile . --out app.tgz" "\`\`\`" >fake/README.md &&
	mkdir -p fake/examples &&
	! python3 "$TEST_LIB_DIR/lib/doc-check.py" "$SLUGC" fake examples >report &&
	contains report "abbreviation of '"'"'--output'"'"'"
'

test_done
