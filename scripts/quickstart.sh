#!/usr/bin/env bash
# First run on a fresh machine with PostgreSQL and Redis available: writes a local .env with generated secrets
# (once), builds (server and console), creates and migrates the database, loads the demo dataset into the demo
# tenant (skipped when it already has data), prints its API key and the console URL, then starts the server.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f .env ]; then
  cat > .env <<ENV
DATABASE_URL=postgresql://root@127.0.0.1:5432/pulse
REDIS_URL=redis://127.0.0.1:6379
ADMIN_TOKEN=$(node -e "console.log(require('crypto').randomBytes(24).toString('base64url'))")
INTEGRATION_SECRET_KEY=$(node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")
PORT=3000
ENV
  echo "Wrote .env with fresh secrets (keep it out of version control)."
fi
set -a; . ./.env; set +a

npm run build
node dist/apps/server/src/cli.js demo --skip-if-loaded
exec node dist/apps/server/src/main.js
