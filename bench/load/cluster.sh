#!/usr/bin/env bash
# The cluster's load figure: Redis and three nodes on loopback, one publisher (a 1 Mbit/s VP8 + Opus clip, looped)
# on node A, and S subscribers of our own client on each of B and C (sluice-cli load), so every packet crosses one
# relay (A to B, A to C). Then the same number on A itself, for the latency without a relay. Prints each load report
# (loss, packet age on arrival p50/p99 from the publisher's sender reports, first-packet times), the relay hop
# (p50 and p99 of 5 players on B minus those of 5 on A, measured apart from the load so the client is not the limit),
# and a single player's WHEP POST to first packet on a node with no relay yet and on one that has it. Run as root from the repository root (it uses ../shared/bin/netns-run):
#   bash bench/load/cluster.sh [SUBSCRIBERS_PER_NODE=150] [SECONDS=60]
set -euo pipefail
cd "$(dirname "$0")/../.."
S=${1:-150}
D=${2:-60}
WORK=$(mktemp -d /tmp/sluice-cluster-XXXX)
trap 'rm -rf "$WORK"' EXIT

dotnet build -c Release Sluice.slnx >/dev/null
ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 20 -pix_fmt yuv420p \
  -c:v libvpx -deadline realtime -cpu-used 8 -g 30 -b:v 1000k -minrate 1000k -maxrate 1000k -f ivf "$WORK/clip.ivf"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i sine=frequency=440:duration=20 -c:a libopus -b:a 64k "$WORK/sound.opus"

cat > "$WORK/scenario.sh" <<SCENARIO
set -u
NODE=src/Sluice.Server/bin/Release/net10.0/sluice.dll
CLI="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice-cli.dll"
redis-server --bind 127.0.0.1 --port 6379 --save "" --appendonly no > "$WORK/redis.log" 2>&1 &
REDIS=\$!
sleep 0.5
for n in a:7777 b:7778 c:7779 d:7780; do
  id=\${n%%:*}; port=\${n##*:}
  dotnet \$NODE --listen 127.0.0.1:\$port --udp-port \$port --announce-ip 127.0.0.1 --Cluster:Redis 127.0.0.1:6379 \
    --Cluster:NodeId \$id --Logging:LogLevel:Default Warning > "$WORK/\$id.log" 2>&1 &
  eval "NODE_\$id=\\\$!"
done
sleep 4
cpu() { awk '{print \$14+\$15}' /proc/\$1/stat; }
\$CLI whip http://127.0.0.1:7777/whip/bench --video "$WORK/clip.ivf" --audio "$WORK/sound.opus" --loop > "$WORK/publisher.log" 2>&1 &
PUBLISHER=\$!
sleep 2

echo "== WHEP POST to first packet, one player: on node d (no relay there yet), then on node b twice (the relay is up the second time)"
\$CLI whep http://127.0.0.1:7780/whep/bench --duration 2 --no-reconnect | grep -o "first packet [0-9]* ms"
\$CLI load http://127.0.0.1:7778/whep/bench --subscribers 1 --duration 30 > /dev/null 2>&1 &
KEEP=\$!
sleep 3
\$CLI whep http://127.0.0.1:7778/whep/bench --duration 2 --no-reconnect | grep -o "first packet [0-9]* ms"
kill \$KEEP 2>/dev/null; wait \$KEEP 2>/dev/null

echo "== latency: 5 players on a (direct) and 5 on b (through one relay) at once, 30 s; a light client, so the figures are the nodes'"
\$CLI load http://127.0.0.1:7777/whep/bench --subscribers 5 --duration 30 > "$WORK/la.txt" 2>&1 &
LA=\$!
\$CLI load http://127.0.0.1:7778/whep/bench --subscribers 5 --duration 30 > "$WORK/lb.txt" 2>&1
wait \$LA
p() { grep "latency \$1" "\$2" | grep -o "[0-9.]* ms" | cut -d' ' -f1; }
echo "direct on a: p50 \$(p p50 $WORK/la.txt) ms, p99 \$(p p99 $WORK/la.txt) ms; through a relay on b: p50 \$(p p50 $WORK/lb.txt) ms, p99 \$(p p99 $WORK/lb.txt) ms"
echo "relay hop: p50 \$(echo "\$(p p50 $WORK/lb.txt) - \$(p p50 $WORK/la.txt)" | bc) ms, p99 \$(echo "\$(p p99 $WORK/lb.txt) - \$(p p99 $WORK/la.txt)" | bc) ms"

echo "== $S subscribers on each of b and c at once (every packet through one relay), $D s"
TA0=\$(cpu \$NODE_a); TB0=\$(cpu \$NODE_b); TC0=\$(cpu \$NODE_c); S0=\$(date +%s.%N)
\$CLI load http://127.0.0.1:7778/whep/bench --subscribers $S --duration $D > "$WORK/b.txt" 2>&1 &
LOADB=\$!
\$CLI load http://127.0.0.1:7779/whep/bench --subscribers $S --duration $D > "$WORK/c.txt" 2>&1 &
LOADC=\$!
sleep 20
LB0=\$(cpu \$LOADB); LC0=\$(cpu \$LOADC); L0=\$(date +%s.%N)
sleep 20
LB1=\$(cpu \$LOADB); LC1=\$(cpu \$LOADC); L1=\$(date +%s.%N)
wait \$LOADB \$LOADC
TA1=\$(cpu \$NODE_a); TB1=\$(cpu \$NODE_b); TC1=\$(cpu \$NODE_c); S1=\$(date +%s.%N)
echo "-- node b:"; grep -v "^started" "$WORK/b.txt"
echo "-- node c:"; grep -v "^started" "$WORK/c.txt"
pct() { echo "(\$2-\$1)/100/(\$4-\$3)*100" | bc -l | cut -c1-5; }
echo "CPU, % of one core: node a \$(pct \$TA0 \$TA1 \$S0 \$S1) (publisher in, 2 relays out), node b \$(pct \$TB0 \$TB1 \$S0 \$S1), node c \$(pct \$TC0 \$TC1 \$S0 \$S1) (1 relay in, $S out each); the two load clients \$(pct \$LB0 \$LB1 \$L0 \$L1) and \$(pct \$LC0 \$LC1 \$L0 \$L1) (of the 200 % the host has)"
kill \$PUBLISHER \$NODE_a \$NODE_b \$NODE_c \$NODE_d \$REDIS 2>/dev/null || true
SCENARIO
../shared/bin/netns-run bash "$WORK/scenario.sh"
