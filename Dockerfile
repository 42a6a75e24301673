# syntax=docker/dockerfile:1
# The service image: built with the commands CI runs (npm ci, npm run build), run as in scripts/smoke.sh
# (node dist/src/main.js), with production dependencies only and as a non-root user.
#   docker build -t sms-callback .              the runtime image
#   docker build --target test .                 CI's lint and tests (embedded database) inside the build
ARG NODE_IMAGE=node:20.20-bookworm-slim

# --- build: every dependency, then the compiled service in dist/ ----------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# --- test (optional target): what .ci/run runs before the server e2e suite ------------------------------
FROM build AS test
RUN npm run lint && npm test

# --- runtime: production dependencies, the compiled service, nothing else -------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    EMBEDDED_DB_DIR=/app/data/pglite
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY scripts/ensure-build.js ./scripts/ensure-build.js
COPY bin ./bin
# The contract, served at /docs/contract.md.
COPY docs ./docs
# The embedded database (used only when DATABASE_URL is unset) writes here: mount a volume on it.
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
VOLUME ["/app/data"]
# Ready = the database answers within 1 s and the service is neither starting nor shutting down.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM starts the graceful shutdown (SHUTDOWN_TIMEOUT_MS, 10 s by default): give `docker stop` longer (-t 30).
STOPSIGNAL SIGTERM
CMD ["node", "dist/src/main.js"]
