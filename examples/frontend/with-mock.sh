#!/bin/sh
# Run a command against the installed mock, without npm packages: start `waterrai-mock`, wait
# until it answers, run the command, stop the mock (also when the command fails or is interrupted).
#   usage: with-mock.sh npm run test:api        (MOCK_PORT, MOCK_TOKEN as in package.json)
set -eu
port="${MOCK_PORT:-4010}"
waterrai-mock --port "$port" --token "${MOCK_TOKEN:-dev-token}" --quiet &
mock=$!
trap 'kill "$mock" 2>/dev/null || true; wait "$mock" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
tries=0
until curl -fsS -o /dev/null "http://127.0.0.1:$port/__mock/health" 2>/dev/null; do
  tries=$((tries + 1))
  if [ "$tries" -gt 150 ] || ! kill -0 "$mock" 2>/dev/null; then
    echo "with-mock.sh: waterrai-mock did not answer on port $port" >&2
    exit 1
  fi
  sleep 0.2
done
"$@"
