#!/bin/bash
# Runs libFuzzer targets one after the other, each for SECONDS, and says
# which crashed. Called by tests/fuzz/fuzz.mk ("make fuzz", "make fuzz-ci").
#
#   run-fuzz.sh SECONDS FUZZ_BUILD TARGET...
#
# For target T: the binary is FUZZ_BUILD/fuzz_T; the seeds are read from
# tests/fuzz/corpus/T (never written); what the fuzzer finds goes to
# FUZZ_BUILD/corpus/T (kept between runs); a crashing, leaking, slow or
# memory-hungry input is written to FUZZ_BUILD/artifacts/T/ (named after
# the run's start time and the kind of failure) and the log to
# FUZZ_BUILD/logs/T.log. The exit status is 1 when any target failed; every
# target runs anyway.
#
# FUZZ_NICE (default 10) and FUZZ_EXTRA (more libFuzzer flags) are taken
# from the environment.

set -u

if [ $# -lt 3 ]; then
    echo "usage: $0 SECONDS FUZZ_BUILD TARGET..." >&2
    exit 2
fi

seconds=$1
build=$2
shift 2

here=$(cd "$(dirname "$0")" && pwd)
nice_level=${FUZZ_NICE:-10}
stamp=$(date +%Y%m%d-%H%M%S)
extra=${FUZZ_EXTRA:-}
failed=
summary=

for t in "$@"; do
    bin=$build/fuzz_$t
    seeds=$here/corpus/$t
    work=$build/corpus/$t
    art=$build/artifacts/$t
    log=$build/logs/$t.log

    mkdir -p "$work" "$art" "$(dirname "$log")"

    # per-target options: the longest input, a dictionary
    opts=()
    case $t in
    routes)        opts+=(-max_len=16384 -dict="$here/routes.dict") ;;
    hello)         opts+=(-max_len=20000) ;;
    hello_gen)     opts+=(-max_len=4096) ;;
    sidecar_conf)  opts+=(-max_len=8192 -dict="$here/sidecar_conf.dict") ;;
    sidecar_hosts) opts+=(-max_len=8192) ;;
    sidecar_model) opts+=(-max_len=16384 -dict="$here/sidecar_model.dict") ;;
    esac

    dirs=("$work")
    [ -d "$seeds" ] && dirs+=("$seeds")

    echo "fuzz: $t for ${seconds}s (log $log)"

    # shellcheck disable=SC2086
    nice -n "$nice_level" "$bin" \
        -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$art/$stamp-" "${opts[@]}" \
        $extra "${dirs[@]}" > "$log" 2>&1
    rc=$?

    # the last status line: "#N DONE cov: C ft: F corp: K/S ..."
    last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|pulse|NEW|REDUCE|INITED)' \
           "$log" | tail -1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(echo "$last" \
           | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
    line=$(printf '%-14s runs=%-9s cov=%-5s ft=%-6s corpus=%s' "$t" \
           "${runs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}")

    if [ $rc -ne 0 ]; then
        failed="$failed $t"
        line="$line FAILED (exit $rc)"
        echo "fuzz: $t FAILED (exit $rc); last lines of $log:" >&2
        grep -E 'ERROR|invariant|runtime error|SUMMARY|Test unit|crashed' \
            "$log" | tail -8 >&2
        for f in "$art/$stamp"-*; do
            [ -e "$f" ] || continue
            echo "fuzz: input kept: $f" >&2
            echo "fuzz: replay: $bin $f" >&2
        done
    fi

    summary="$summary$line"$'\n'
done

echo
echo "fuzz summary (${seconds}s each):"
printf '%s' "$summary"

if [ -n "$failed" ]; then
    echo "fuzz: failed:$failed" >&2
    exit 1
fi

exit 0
