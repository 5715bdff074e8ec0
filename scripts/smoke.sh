#!/usr/bin/env bash
# Smoke test of the real desktop binary: start it under Xvfb in demo mode,
# wait until the page says it shows the reader state (the frontend reports
# each state it renders; the app logs it), screenshot the window, and check
# that the screenshot is not blank. The screenshot is left in build/smoke/
# for a person to look at.
set -euo pipefail
bin=${1:-build/bin/taimen}
out=build/smoke
mkdir -p "$out"
rm -f "$out"/*.png "$out"/app.log
[ -x "$bin" ] || { echo "smoke: $bin is not built" >&2; exit 1; }

export SMOKE_BIN=$bin SMOKE_OUT=$out
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" bash -c '
  set -euo pipefail
  start=$(date +%s%N)
  "$SMOKE_BIN" --demo >"$SMOKE_OUT/app.log" 2>&1 &
  app=$!
  trap "kill $app 2>/dev/null || true; wait $app 2>/dev/null || true" EXIT
  for _ in $(seq 300); do   # at most 30 s
    grep -q "ui showing.*status=ready" "$SMOKE_OUT/app.log" && break
    kill -0 $app 2>/dev/null || { echo "smoke: the app exited early" >&2; cat "$SMOKE_OUT/app.log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q "ui showing.*status=ready" "$SMOKE_OUT/app.log" || { echo "smoke: the waiting screen never showed the demo reader as ready" >&2; cat "$SMOKE_OUT/app.log" >&2; exit 1; }
  ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  sleep 0.5   # let the last frame paint
  import -window root "$SMOKE_OUT/waiting.png"
  rss_kb=$(ps -o rss= -p $app | tr -d " ")
  echo "smoke: start to ready ${ready_ms} ms, app RSS ${rss_kb} KiB"
'
sd=$(convert "$out/waiting.png" -colorspace Gray -format '%[fx:standard_deviation]' info:)
awk -v sd="$sd" 'BEGIN { exit !(sd > 0.03) }' || { echo "smoke: screenshot looks blank (stddev $sd)" >&2; exit 1; }
echo "smoke: screenshot $out/waiting.png (stddev $sd)"
