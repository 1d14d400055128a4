#!/bin/sh
# cli_check.sh — the example programs refuse bad command lines: each must exit with status 2 before running
# anything, with a message on stderr naming the option (issue 10, class 5). usage: cli_check.sh BUILD_EXAMPLES_DIR
set -u
dir=${1:?usage: cli_check.sh BUILD_EXAMPLES_DIR}
fails=0
tmp=${TMPDIR:-/tmp}/cli_check.$$
trap 'rm -f "$tmp"' EXIT

# expect PROGRAM WORD ARGS...: status 2, WORD in the message, nothing on stdout (nothing ran)
expect() {
    prog=$1 word=$2
    shift 2
    out=$("$dir/$prog" "$@" 2>"$tmp")
    rc=$?
    if [ "$rc" -ne 2 ] || ! grep -q -F -e "$word" "$tmp" || [ -n "$out" ]; then
        echo "FAIL: $prog $* -> status $rc, stderr '$(cat "$tmp")', stdout '$(printf %s "$out" | head -c 200)'" \
             "(want status 2 and '$word')"
        fails=$((fails + 1))
    fi
}

# the network examples share one parser (examples/net_main.h): coba stands for all three
for v in 0 9 abc 12abc '' ' 12' +12 -5 1e3 12.5 0x20 2147483648 99999999999999999999; do
    expect coba --n --quiet --n "$v"
done
for v in abc -1 0 -0 nan inf -inf 1e400 1e-400 2e6 1s '' ' 1' 0.1x; do
    expect coba --duration --quiet --duration "$v"
done
for v in garbage -1 0 ' 1' +1 1.5 18446744073709551616 12abc ''; do
    expect coba --seed --quiet --seed "$v"
done
for o in --n --duration --seed --backend --model --svg --npy; do
    expect coba "$o" "$o" # missing value
done
expect coba --svg --svg --quiet --svg --npy x.npy
expect coba --n --n 100 --n 200 --quiet
expect coba --duration --duration 0.01 --duration 0.01 --quiet
expect coba --bogus --bogus
expect coba --n=100 --n=100
expect coba stray --quiet stray
expect coba backend --backend nope --n 10 --duration 0.001 --quiet
expect coba model --model nope --n 10 --duration 0.001 --quiet
expect coba duration --duration 0.00001 --n 10 --quiet # below half a step of 0.1 ms
expect cuba --n --n abc
expect coba_hh --duration --duration -1
# the other examples take one optional backend name, or nothing
expect hello usage cpu extra
expect hello usage --bogus
expect hello backend nope
expect selu usage --n 5
expect lif_codegen usage --n 5
# help still works, and a good command line still runs
"$dir/coba" --help | grep -q -e '--duration' || { echo "FAIL: coba --help"; fails=$((fails + 1)); }
"$dir/coba" --n 10 --duration 0.001 --seed 18446744073709551615 --quiet >/dev/null ||
    { echo "FAIL: coba with valid boundary values"; fails=$((fails + 1)); }
if [ "$fails" -ne 0 ]; then
    echo "cli_check: $fails bad command lines were not refused"
    exit 1
fi
echo "cli_check: every bad command line refused"
