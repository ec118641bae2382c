#!/usr/bin/env bash
# Builds the package and serves the demo page, with the test server behind it.
# Prints the URL and serves until interrupted. PORT=N picks the port (default 8080,
# or a free one when 8080 is taken).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
bash scripts/build.sh
trap stop_server EXIT INT TERM
port=${PORT:-8080}
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then port=0; fi
start_server "$port"
echo
echo "  steadysocket demo: http://$SERVER_ADDR/"
echo "  (Ctrl-C stops the server)"
echo
wait "$SERVER_PID"
