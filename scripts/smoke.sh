#!/usr/bin/env bash
# Smoke test of the real desktop binary under Xvfb, in demo mode, driven with
# the keyboard alone as a clerk would: the purpose picker, 3 (age check) and
# Enter → the waiting screen, P (demo phone tap) → the verified result, Y
# (face matches) → wiped, back to the picker; then 1 (account opening), C
# (demo plastic card), the card's 照合番号B → the result with the card's
# JPEG 2000 photo decoded in the real webview, Y. The frontend reports each
# screen it renders (Counter.UIShown); the app logs it, and this script
# waits for those lines rather than sleeping. Screenshots are left in
# build/smoke/ for a person to look at; each must not be blank.
set -euo pipefail
bin=${1:-build/bin/taimen}
out=build/smoke
mkdir -p "$out"
rm -f "$out"/*.png "$out"/app.log
[ -x "$bin" ] || { echo "smoke: $bin is not built" >&2; exit 1; }

export SMOKE_BIN=$bin SMOKE_OUT=$out
xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" bash -c '
  set -euo pipefail
  log=$SMOKE_OUT/app.log
  start=$(date +%s%N)
  "$SMOKE_BIN" --demo >"$log" 2>&1 &
  app=$!
  trap "kill $app 2>/dev/null || true; wait $app 2>/dev/null || true" EXIT
  # wait_for PATTERN [COUNT]: until the log has COUNT lines matching (30 s).
  wait_for() {
    local n=${2:-1}
    for _ in $(seq 300); do
      [ "$(grep -c -- "$1" "$log" || true)" -ge "$n" ] && return 0
      kill -0 $app 2>/dev/null || { echo "smoke: the app exited early" >&2; cat "$log" >&2; exit 1; }
      sleep 0.1
    done
    echo "smoke: never saw \"$1\" (x$n) in the app log" >&2; cat "$log" >&2; exit 1
  }
  rss_tree() { # resident memory of the app and its WebKit processes, KiB
    ps -o rss= -p "$app" --ppid "$app" | awk "{s+=\$1} END {print s}"
  }
  shot() { sleep 0.4; import -window root "$SMOKE_OUT/$1.png"; } # 0.4 s: the last frame paints
  wait_for "ui showing.*status=ready"
  wait_for "ui showing.*phase=idle"
  ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  idle_kb=$(rss_tree)
  shot 1-purpose
  win=$(xdotool search --sync --onlyvisible --name "Taimen" | head -n 1)
  xdotool windowfocus --sync "$win"
  xdotool key --clearmodifiers 3 Return
  wait_for "ui showing.*phase=waiting"
  shot 2-waiting
  cp "$SMOKE_OUT/2-waiting.png" "$SMOKE_OUT/waiting.png"
  xdotool key --clearmodifiers p
  wait_for "ui showing.*phase=result"
  result_kb=$(rss_tree)
  shot 3-result
  xdotool key --clearmodifiers y
  wait_for "ui showing.*phase=idle" 2
  shot 4-wiped
  xdotool key --clearmodifiers 1 Return
  wait_for "ui showing.*phase=waiting" 2
  xdotool key --clearmodifiers c
  wait_for "ui showing.*phase=code_b"
  # The demo card'"'"'s 照合番号B (app.TestDemoCardCodeBIsStable pins it).
  xdotool type --delay 20 07070420305678
  xdotool key --clearmodifiers Return
  wait_for "ui showing.*phase=result" 2
  shot 5-card-result
  xdotool key --clearmodifiers y
  wait_for "ui showing.*phase=idle" 3
  echo "smoke: start to ready ${ready_ms} ms; memory (app + WebKit) idle ${idle_kb} KiB, with a result ${result_kb} KiB"
'
for f in "$out"/[1-5]-*.png; do
  sd=$(convert "$f" -colorspace Gray -format '%[fx:standard_deviation]' info:)
  awk -v sd="$sd" 'BEGIN { exit !(sd > 0.03) }' || { echo "smoke: $f looks blank (stddev $sd)" >&2; exit 1; }
done
echo "smoke: screenshots in $out: $(cd "$out" && ls [1-5]-*.png | tr '\n' ' ')"
