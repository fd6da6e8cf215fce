#!/usr/bin/env bash
# The node's load figure: one node, a 1.5 Mbit/s VP8 + Opus publisher (sluice-cli whip --loop), and N WHEP
# subscribers of our own client (sluice-cli load), all on this machine's loopback. Prints the load table and
# the node's CPU use. Run as root from the repository root (it uses ../shared/bin/netns-run):
#   bash bench/load/run.sh [SUBSCRIBERS=200] [SECONDS=30]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-200}
D=${2:-30}
WORK=$(mktemp -d /tmp/sluice-load-XXXX)

dotnet build -c Release Sluice.slnx >/dev/null
ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 20 -pix_fmt yuv420p \
  -c:v libvpx -deadline realtime -cpu-used 8 -g 60 -b:v 1550k -minrate 1550k -maxrate 1550k -f ivf "$WORK/clip.ivf"
ffmpeg -hide_banner -loglevel error -y -f lavfi -i sine=frequency=440:duration=20 -c:a libopus -b:a 64k "$WORK/sound.opus"
echo "video: $(( $(stat -c %s "$WORK/clip.ivf") * 8 / 20 / 1000 )) kbit/s, audio 64 kbit/s"

cat > "$WORK/scenario.sh" <<SCENARIO
set -u
dotnet src/Sluice.Server/bin/Release/net10.0/sluice.dll --listen 127.0.0.1:7777 --udp-port 7777 --announce-ip 127.0.0.1 \
  --Logging:LogLevel:Default Warning > "$WORK/server.log" 2>&1 &
SERVER=\$!
sleep 3
dotnet src/Sluice.Cli/bin/Release/net10.0/sluice-cli.dll whip http://127.0.0.1:7777/whip/load \
  --video "$WORK/clip.ivf" --audio "$WORK/sound.opus" --loop > "$WORK/publisher.log" 2>&1 &
PUBLISHER=\$!
sleep 3
cpu() { awk '{print \$14+\$15}' /proc/\$1/stat; }
T0=\$(cpu \$SERVER); S0=\$(date +%s.%N)
dotnet src/Sluice.Cli/bin/Release/net10.0/sluice-cli.dll load http://127.0.0.1:7777/whep/load --subscribers $N --duration $D
T1=\$(cpu \$SERVER); S1=\$(date +%s.%N)
echo "node CPU: \$(echo "(\$T1-\$T0)/100/(\$S1-\$S0)*100" | bc -l | cut -c1-5) % of one core over \$(echo "\$S1-\$S0" | bc | cut -c1-5) s (connect phase included)"
kill -INT \$PUBLISHER; sleep 1; kill \$SERVER
SCENARIO
../shared/bin/netns-run bash "$WORK/scenario.sh"
