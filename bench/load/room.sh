#!/usr/bin/env bash
# A room's load figure: one node, P publishers each sending a 1 Mbit/s VP8 + Opus clip (looped) into one room, and
# S room subscribers of our own client (sluice-cli load --room; they join first, then the publishers), subscriber
# i < P being publisher i's own person.
# Prints the load report (loss, offers per subscriber, POST-to-PUB_JOIN and POST-to-media times) and the node's
# CPU. Run as root from the repository root (it uses ../shared/bin/netns-run):
#   bash bench/load/room.sh [PUBLISHERS=6] [SUBSCRIBERS=6] [SECONDS=60]
# A conference: room.sh 6 6 60; a broadcast: room.sh 1 300 60.
set -euo pipefail
cd "$(dirname "$0")/../.."
P=${1:-6}
S=${2:-6}
D=${3:-60}
WORK=$(mktemp -d /tmp/sluice-room-XXXX)
trap 'rm -rf "$WORK"' EXIT

dotnet build -c Release Sluice.slnx >/dev/null
ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 20 -pix_fmt yuv420p \
  -c:v libvpx -deadline realtime -cpu-used 8 -g 60 -b:v 1000k -minrate 1000k -maxrate 1000k -f ivf "$WORK/clip.ivf"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i sine=frequency=440:duration=20 -c:a libopus -b:a 64k "$WORK/sound.opus"
echo "video: $(( $(stat -c %s "$WORK/clip.ivf") * 8 / 20 / 1000 )) kbit/s, audio 64 kbit/s"

cat > "$WORK/scenario.sh" <<SCENARIO
set -u
dotnet src/Sluice.Server/bin/Release/net10.0/sluice.dll --listen 127.0.0.1:7777 --udp-port 7777 --announce-ip 127.0.0.1 \
  --Logging:LogLevel:Default Warning > "$WORK/server.log" 2>&1 &
SERVER=\$!
sleep 3
cpu() { awk '{print \$14+\$15}' /proc/\$1/stat; }
T0=\$(cpu \$SERVER); S0=\$(date +%s.%N)
dotnet src/Sluice.Cli/bin/Release/net10.0/sluice-cli.dll load http://127.0.0.1:7777 --room bench --publishers $P --subscribers $S \
  --duration $D --video "$WORK/clip.ivf" --audio "$WORK/sound.opus"
T1=\$(cpu \$SERVER); S1=\$(date +%s.%N)
echo "node CPU: \$(echo "(\$T1-\$T0)/100/(\$S1-\$S0)*100" | bc -l | cut -c1-5) % of one core over \$(echo "\$S1-\$S0" | bc | cut -c1-5) s (joins included)"
kill \$SERVER
SCENARIO
../shared/bin/netns-run bash "$WORK/scenario.sh"
