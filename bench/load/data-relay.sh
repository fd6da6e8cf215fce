#!/usr/bin/env bash
# The node's data channel relay rate with our own client on both ends, where the browsers' network thread is not
# the limit (bench/Sluice.DataChannelBench measures it with Chromium): a node, a WHEP subscriber writing every
# message to a file (sluice-cli whep --data-out), and a WHIP publisher sending MB megabytes as 60,000-character text
# lines on one reliable ordered channel (sluice-cli whip --data-in). Prints MB/s from the publisher's start to the
# last line received (connection setup included) and the node's CPU per MB. Run as root from the repository root
# (it uses ../shared/bin/netns-run):
#   bash bench/load/data-relay.sh [MB=200] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
MB=${1:-200}
ROUNDS=${2:-3}
WORK=$(mktemp -d /tmp/sluice-data-XXXX)
trap 'rm -rf "$WORK"' EXIT

dotnet build -c Release Sluice.slnx >/dev/null
head -c $(( MB * 750000 )) /dev/urandom | base64 -w 60000 > "$WORK/lines.txt"

cat > "$WORK/scenario.sh" <<SCENARIO
set -u
CLI="dotnet src/Sluice.Cli/bin/Release/net10.0/sluice-cli.dll"
LINES=\$(wc -l < "$WORK/lines.txt"); BYTES=\$(stat -c %s "$WORK/lines.txt")
dotnet src/Sluice.Server/bin/Release/net10.0/sluice.dll --listen 127.0.0.1:7777 --udp-port 7777 --announce-ip 127.0.0.1 \
  --Logging:LogLevel:Default Warning > "$WORK/server.log" 2>&1 &
SERVER=\$!
sleep 3
cpu() { awk '{print \$14+\$15}' /proc/\$1/stat; }
for round in \$(seq 1 $ROUNDS); do
  : > "$WORK/received.jsonl"
  \$CLI whep http://127.0.0.1:7777/whep/relay\$round --data-out "$WORK/received.jsonl" > "$WORK/subscriber.log" 2>&1 &
  SUBSCRIBER=\$!
  sleep 2
  T0=\$(cpu \$SERVER); S0=\$(date +%s.%N)
  \$CLI whip http://127.0.0.1:7777/whip/relay\$round --data-in "$WORK/lines.txt" --label bulk > "$WORK/publisher.log" 2>&1 &
  PUBLISHER=\$!
  DEADLINE=\$(( \$(date +%s) + 120 ))
  while [ "\$(wc -l < "$WORK/received.jsonl")" -lt "\$LINES" ] && [ "\$(date +%s)" -lt "\$DEADLINE" ]; do sleep 0.1; done
  T1=\$(cpu \$SERVER); S1=\$(date +%s.%N)
  GOT=\$(wc -l < "$WORK/received.jsonl")
  echo "round \$round: \$GOT of \$LINES messages, \$(echo "\$BYTES/1000000/(\$S1-\$S0)" | bc -l | cut -c1-5) MB/s; node CPU \$(echo "(\$T1-\$T0)*10/(\$BYTES/1000000)" | bc -l | cut -c1-5) ms per MB"
  kill \$PUBLISHER \$SUBSCRIBER 2>/dev/null; wait \$PUBLISHER \$SUBSCRIBER 2>/dev/null || true
  sleep 1
done
kill \$SERVER
SCENARIO
../shared/bin/netns-run bash "$WORK/scenario.sh"
