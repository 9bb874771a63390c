#!/bin/bash
# GET /runs/{id} of one finished run, in memory (-data-dir off) and with the
# run store (a fresh directory), alternating, four rounds: wrk, 10 s, 16
# connections, one thread. Needs wrk and curl; build the server first:
#   go build -o /tmp/httpload ./bench/httpload
# (BENCHMARKS.md, "Durable runs").
set -u
for round in 1 2 3 4; do
  for mode in memory store; do
    if [ $mode = memory ]; then dd=off; else dd=$(mktemp -d); fi
    /tmp/httpload -listen 127.0.0.1:8765 -data-dir $dd > /tmp/httpload.$mode.log 2>&1 &
    pid=$!
    for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:8765/runs && break; sleep 0.1; done
    ID=$(curl -s -X POST -H 'Content-Type: application/json' -d '{}' http://127.0.0.1:8765/echo-msg/run | python3 -c 'import json,sys;print(json.load(sys.stdin)["run_id"])')
    sleep 1
    load=$(cut -d' ' -f1 /proc/loadavg)
    out=$(wrk -t1 -c16 -d10s --latency http://127.0.0.1:8765/runs/$ID)
    rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
    p50=$(echo "$out" | awk '$1=="50%"{print $2}')
    p99=$(echo "$out" | awk '$1=="99%"{print $2}')
    non2xx=$(echo "$out" | grep -c "Non-2xx")
    echo "round $round load $load $mode GET req/s $rps p50 $p50 p99 $p99 non2xx-lines $non2xx"
    kill $pid; wait $pid 2>/dev/null
  done
done
