# conformance.sh TABLE: one table of the Heroku-parity conformance suite (run.py), with
# the runtime mirrors of tests/lib/ that its cases resolve and compile against.
. "$SLUGC_SOURCE_DIR/tests/e2e/test-lib.sh"

table=$1
case $(basename "$table") in
nodejs.txt) use_node_mirror || exit 1; mirror="nodejs=file://$NODE_MIRROR" ;;
go.txt) use_go_mirror || exit 1; mirror="go=file://$GO_MIRROR" ;;
*) mirror= ;;
esac
unset SLUGC_MIRROR_NODEJS SLUGC_MIRROR_GO SLUGC_MIRROR_RUBY
export SLUGC_CONFORMANCE_CACHE="$TRASH/cache"
python3 "$SLUGC_SOURCE_DIR/tests/conformance/run.py" "$table" "$SLUGC" "$TRASH/work" \
	${mirror:+--mirror "$mirror"}
