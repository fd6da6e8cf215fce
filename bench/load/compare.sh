#!/usr/bin/env bash
# Node CPU per forwarded packet, before and after a change, measured the same way in one run. For each tree in
# turn (old, new, old, new, ...), on loopback in its own network namespace: a node (that tree's Release build),
# a 1.5 Mbit/s VP8 + Opus publisher (sluice-cli whip --loop) and N WHEP subscribers (sluice-cli load), both
# clients from THIS tree's build, so only the node differs. Prints, per run: subscribers connected and receiving,
# loss, whether the node delivered in real time, the node's CPU seconds, the packets it forwarded (its /metrics,
# sluice_sent_packets_total) and the node's CPU µs per forwarded packet; over the steady phase (all subscribers
# connected, from 3 s after the last batch to 3 s before the end: D-6 s) and over the whole run (connect phase included). Run as root from the repository root:
#   bash bench/load/compare.sh OLD_TREE [SUBSCRIBERS=400] [SECONDS=60] [ROUNDS=1]
# OLD_TREE is a checkout of the commit to compare with (git worktree add /tmp/old <commit>), or this tree ('.') with
# OLD_NODE_ARGS / NEW_NODE_ARGS (node options for each side, e.g. OLD_NODE_ARGS='--CongestionControl false').
# Environment: QUIET_LOAD (default 0.8): before each run, wait (30 s steps, at most QUIET_WAIT=900 s over the whole script)
# until the 1-minute load average is below it; the load average at each start is printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
OLD=$(cd "$1" && pwd)
N=${2:-400}
D=${3:-60}
ROUNDS=${4:-1}
NEW=$(pwd)
QUIET_LOAD=${QUIET_LOAD:-0.8}
QUIET_WAIT=${QUIET_WAIT:-900}
export SLUICE_NETNS=${SLUICE_NETNS:-sluice-compare}
WORK=$(mktemp -d /tmp/sluice-compare-XXXX)
echo "work directory: $WORK"

NEWREV=$(git -C "$NEW" rev-parse --short HEAD); OLDREV=$(git -C "$OLD" rev-parse --short HEAD)   # what the builds below are of
echo "building Release: $NEW ($NEWREV) and $OLD ($OLDREV)"
dotnet build -c Release "$NEW/src/Sluice.Server" > "$WORK/build-new.log" 2>&1 || { tail -20 "$WORK/build-new.log"; exit 1; }
dotnet build -c Release "$NEW/src/Sluice.Cli" >> "$WORK/build-new.log" 2>&1 || { tail -20 "$WORK/build-new.log"; exit 1; }
dotnet build -c Release "$OLD/src/Sluice.Server" > "$WORK/build-old.log" 2>&1 || { tail -20 "$WORK/build-old.log"; exit 1; }

ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 20 -pix_fmt yuv420p \
  -c:v libvpx -deadline realtime -cpu-used 8 -g 60 -b:v 1550k -minrate 1550k -maxrate 1550k -f ivf "$WORK/clip.ivf"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i sine=frequency=440:duration=20 -c:a libopus -b:a 64k "$WORK/sound.opus"
echo "video: $(( $(stat -c %s "$WORK/clip.ivf") * 8 / 20 / 1000 )) kbit/s, audio 64 kbit/s; $N subscribers, $D s, $ROUNDS round(s)"

cat > "$WORK/scenario.sh" <<'SCENARIO'
# scenario.sh TREE NAME N D WORK CLI_TREE [NODE_ARGS]: one node run; writes WORK/NAME.result (key=value lines).
set -u
TREE=$1; NAME=$2; N=$3; D=$4; WORK=$5; CLI=$6/src/Sluice.Cli/bin/Release/net10.0/sluice-cli.dll; NODE_ARGS=${7:-}
OUT=$WORK/$NAME
cpu() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }          # clock ticks (1/100 s)
idle() { awk '/^cpu /{print $5+$6; exit}' /proc/stat; }                          # host idle + iowait ticks
metric() { curl -s --max-time 5 http://127.0.0.1:7777/metrics | awk -v m="$1" '$1==m {s+=$2} END {printf "%d", s}'; }
now() { date +%s.%N; }
sample() { # sample PREFIX: node CPU, load CPU, host idle, time, node counters
  eval "$1_T=\$(cpu \$SERVER) $1_L=\$(cpu \$LOAD) $1_I=\$(idle) $1_S=\$(now)"
  eval "$1_N=\$(metric sluice_subscribers) $1_P=\$(metric sluice_sent_packets_total) $1_R=\$(metric sluice_received_packets_total) $1_F=\$(metric sluice_ice_failures_total)"
}
# shellcheck disable=SC2086
dotnet "$TREE/src/Sluice.Server/bin/Release/net10.0/sluice.dll" --listen 127.0.0.1:7777 --udp-port 7777 --announce-ip 127.0.0.1 \
  --Logging:LogLevel:Default Warning $NODE_ARGS > "$OUT-server.log" 2>&1 &
SERVER=$!
for _ in $(seq 60); do curl -s --max-time 1 -o /dev/null http://127.0.0.1:7777/metrics && break; sleep 0.5; done
dotnet "$CLI" whip http://127.0.0.1:7777/whip/load --video "$WORK/clip.ivf" --audio "$WORK/sound.opus" --loop > "$OUT-publisher.log" 2>&1 &
PUBLISHER=$!
sleep 4
LOAD=$SERVER; sample A                                   # before the first subscriber
dotnet "$CLI" load http://127.0.0.1:7777/whep/load --subscribers "$N" --duration "$D" > "$OUT-load.log" 2>&1 &
LOAD=$!
while kill -0 $LOAD 2>/dev/null && ! grep -qs "^started $N of $N" "$OUT-load.log"; do sleep 0.2; done
sleep 3                                                  # the last batch's first keyframe
sample B                                                 # every subscriber connected (or failed): steady phase starts
sleep $((D - 6))
sample C                                                 # steady phase ends, 3 s before the load stops its subscribers
LOADCPU=$(cpu $LOAD)
wait $LOAD; LOADRC=$?
LOAD=$SERVER; sample E                                   # subscribers gone
kill -INT $PUBLISHER; sleep 1; kill $PUBLISHER 2>/dev/null; kill $SERVER; wait $SERVER 2>/dev/null; wait $PUBLISHER 2>/dev/null
HZ=100
{
  echo "load_rc=$LOADRC"
  field() { sed -n "s/^$1 *| //p" "$OUT-load.log" | head -1; }
  echo "connected=$(field 'subscribers connected' | cut -d' ' -f1)"
  echo "receiving=$(field 'receiving media')"
  echo "client_packets=$(field 'packets received')"
  echo "lost=$(field 'packets lost')"
  echo "first_p95=$(field 'first packet p95')"
  echo "first_max=$(field 'first packet max')"
  echo "failures=$(grep '^failed' "$OUT-load.log" | tr '\n' ';')"
  echo "connect_s=$(echo "$B_S - $A_S" | bc -l)"
  echo "steady_s=$(echo "$C_S - $B_S" | bc -l)"
  echo "steady_cpu_s=$(echo "($C_T - $B_T) / $HZ" | bc -l)"
  echo "steady_load_cpu_s=$(echo "($C_L - $B_L) / $HZ" | bc -l)"
  echo "steady_host_idle_s=$(echo "($C_I - $B_I) / $HZ" | bc -l)"
  echo "steady_in=$((C_R - B_R))"
  echo "steady_fwd=$((C_P - B_P))"
  echo "total_s=$(echo "$E_S - $A_S" | bc -l)"
  echo "total_cpu_s=$(echo "($E_T - $A_T) / $HZ" | bc -l)"
  echo "total_fwd=$((E_P - A_P))"
  echo "ice_failures=$((E_F - A_F))"
  echo "node_subscribers=$B_N $C_N"
} > "$OUT.result"
SCENARIO

f() { printf "%.${2:-1}f" "$1"; }
report() { # report NAME
  local r="$WORK/$1.result"; unset load_rc connected receiving client_packets lost first_p95 first_max failures connect_s steady_s \
    steady_cpu_s steady_load_cpu_s steady_host_idle_s steady_in steady_fwd total_s total_cpu_s total_fwd ice_failures node_subscribers
  # shellcheck disable=SC1090
  source <(sed 's/=\(.*\)/="\1"/' "$r")
  local inrate expected ratio
  inrate=$(echo "$steady_in / $steady_s" | bc -l)
  local nodesubs=${node_subscribers##* }                 # the node's subscriber sessions at the end of the steady phase
  expected=$(echo "$steady_in * ${nodesubs:-0}" | bc -l)
  ratio=$(echo "if ($expected > 0) $steady_fwd / $expected else 0" | bc -l)
  echo "  subscribers: ${connected:-?} / $N connected, ${receiving:-?} receiving media; packets received ${client_packets:-?}, lost ${lost:-?};" \
    "first packet p95 ${first_p95:-?}, max ${first_max:-?}; connect phase $(f "$connect_s") s; ICE failures at the node $ice_failures ${failures:+; $failures}"
  echo "  steady $(f "$steady_s") s: publisher $(f "$inrate" 0) packets/s in, node forwarded $steady_fwd = $(f "$(echo "$ratio * 100" | bc -l)" 2) %" \
    "of in × the node's subscriber sessions (${node_subscribers:-?} at start/end) (real time if ≈ 100 % and 0 loss); node CPU $(f "$steady_cpu_s" 2) s ($(f "$(echo "$steady_cpu_s / $steady_s * 100" | bc -l)" 0) % of a core)," \
    "$(f "$(echo "if ($steady_fwd > 0) $steady_cpu_s * 1000000 / $steady_fwd else 0" | bc -l)" 3) µs per forwarded packet; load generator $(f "$(echo "$steady_load_cpu_s / $steady_s * 100" | bc -l)" 0) % of a core," \
    "host idle $(f "$(echo "$steady_host_idle_s / $steady_s * 100" | bc -l)" 0) % of one core (of $(nproc))"
  echo "  whole run $(f "$total_s") s (connect phase included): node CPU $(f "$total_cpu_s" 2) s, forwarded $total_fwd," \
    "$(f "$(echo "if ($total_fwd > 0) $total_cpu_s * 1000000 / $total_fwd else 0" | bc -l)" 3) µs per forwarded packet;" \
    "client received / node forwarded $(f "$(echo "if ($total_fwd > 0) ${client_packets:-0} * 100 / $total_fwd else 0" | bc -l)" 2) %"
  printf 'TABLE|%s|%s/%s|%s|%s|%s|%.2f|%.2f|%d|%.3f|%.2f|%d|%.3f\n' "$1" "${connected:-?}" "$N" "${receiving:-?}" "${lost:-?}" \
    "$(f "$(echo "$ratio * 100" | bc -l)" 2)" "$steady_s" "$steady_cpu_s" "$steady_fwd" "$(echo "if ($steady_fwd > 0) $steady_cpu_s * 1000000 / $steady_fwd else 0" | bc -l)" \
    "$total_cpu_s" "$total_fwd" "$(echo "if ($total_fwd > 0) $total_cpu_s * 1000000 / $total_fwd else 0" | bc -l)"
}

WAITED=0
wait_quiet() {
  while awk -v q="$QUIET_LOAD" '{exit !($1 >= q)}' /proc/loadavg && [ "$WAITED" -lt "$QUIET_WAIT" ]; do
    echo "  waiting for a quiet machine: load average $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 30; WAITED=$((WAITED + 30))
  done
}

RUNS=()
for round in $(seq "$ROUNDS"); do
  for tree in "$OLD:old:$OLDREV" "$NEW:new:$NEWREV"; do
    IFS=: read -r dir kind rev <<< "$tree"; name=$kind$round
    args=$([ "$kind" = old ] && echo "${OLD_NODE_ARGS:-}" || echo "${NEW_NODE_ARGS:-}")
    wait_quiet
    echo "== $name: node from $dir (built at $rev)${args:+ with $args}; $(date +%T), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    ../shared/bin/netns-run bash "$WORK/scenario.sh" "$dir" "$name" "$N" "$D" "$WORK" "$NEW" "$args"
    report "$name" | tee "$WORK/$name.report" | grep -v '^TABLE'
    RUNS+=("$name")
  done
done

echo
echo "| run | connected | receiving | lost | fwd / (in × node subscribers) % | steady s | node CPU s | forwarded | µs/packet | whole-run CPU s | whole-run forwarded | whole-run µs/packet |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for name in "${RUNS[@]}"; do grep '^TABLE' "$WORK/$name.report" | cut -d'|' -f2- | sed 's/|/ | /g; s/^/| /; s/$/ |/'; done
echo "logs: $WORK"
