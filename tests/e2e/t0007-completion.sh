#!/usr/bin/env bash
# Shell completion generated from the command table and each command's
# --help: bash (exercised), zsh and fish (syntax, when installed), and
# cmake --install putting all three where the shells look.
. "$(dirname "$0")/test-lib.sh"

# complete WORDS...: the words bash completion offers for "slugc WORDS" (the last is being typed).
complete_words() {
	bash -c '
		source "$1"; shift
		COMP_WORDS=(slugc "$@"); COMP_CWORD=$#
		_slugc
		printf "%s\n" "${COMPREPLY[@]}"' _ "$TRASH/slugc.bash" "$@"
}

test_expect_success 'bash: commands, then each command'"'"'s options' '
	expect_exit 0 slugc completion bash && cp out "$TRASH/slugc.bash" &&
	bash -n "$TRASH/slugc.bash" &&
	equal "$(complete_words comp | sort | tr "\n" " ")" "compile completion " &&
	equal "$(complete_words compile --env | sort | tr "\n" " ")" "--env --env-dir " &&
	complete_words deploy --a >w && contains w "--app" && contains w "--app-dir" && contains w "--api-url" &&
	complete_words publish --pro >w && contains w "--process-types" &&
	complete_words run --man >w && equal "$(cat w)" "--manifest"
'

test_expect_success 'every command of slugc --help and every option its --help lists is offered, nothing else' '
	expect_exit 0 slugc --help &&
	sed -n "/^Commands:/,/^$/p" out | awk "NF > 1 { print \$1 }" >cmds &&
	test -s cmds &&
	while read -r c; do
		equal "$(complete_words "${c:0:4}" | grep -cx "$c")" 1 || exit 1
		"$SLUGC" $c --help | grep -oE "(^ +(-[a-zA-Z], )?|\[)--[a-z][a-z0-9-]+" | grep -oE -- "--[a-z0-9-]+" | sort -u >opts
		complete_words $c -- | sort -u >offered
		comm -23 opts offered >missing
		test ! -s missing || { echo "$c: not offered: $(cat missing)"; exit 1; }
	done <cmds &&
	complete_words cache -- >offered && not_contains offered "--offline" &&
	complete_words completion -- >offered && not_contains offered "--install"
'

test_expect_success 'zsh and fish scripts parse (when the shells are installed)' '
	expect_exit 0 slugc completion zsh && contains out "#compdef slugc" &&
	{ ! command -v zsh >/dev/null || zsh -n out; } &&
	expect_exit 0 slugc completion fish && contains out "complete -c slugc" &&
	{ ! command -v fish >/dev/null || fish -n out; } &&
	expect_error 2 "no completion for '"'"'tcsh'"'"'" slugc completion tcsh
'

test_expect_success 'cmake --install puts them where bash, zsh and fish look' '
	build=$(dirname "$SLUGC") &&
	cmake --install "$build" --prefix "$TRASH/inst" >install.log &&
	test -s "$TRASH/inst/share/bash-completion/completions/slugc" &&
	test -s "$TRASH/inst/share/zsh/site-functions/_slugc" &&
	test -s "$TRASH/inst/share/fish/vendor_completions.d/slugc.fish" &&
	cmp "$TRASH/inst/share/bash-completion/completions/slugc" "$TRASH/slugc.bash"
'

test_done
