# logcluster: one image for every role — `worker`, `serve`, `submit`, `status`, `dlq`, …
#
#   docker build -t logcluster .
#   docker run --rm logcluster --help
#   docker run --rm -e REDIS_URL=redis://:secret@redis:6379 logcluster worker
#
# No BuildKit-only syntax (RUN --mount, COPY --chmod), so that the classic builder that
# docker-compose 1.29 drives builds it too.
#
# Air-gapped (no image registry): scripts/base-images makes the base image from Debian's
# packages and this machine's Node.js 20; then
#   docker build --build-arg NODE_IMAGE=logcluster-base/node:20-bookworm \
#     --build-arg BUILD_CA_PEM="$(scripts/base-images --extra-ca)" -t logcluster .

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: install every dependency as locked, build, then keep production ones only ----
FROM ${NODE_IMAGE} AS build
# The npm that package.json's "packageManager" names, so that `npm ci` reads the lockfile
# as the project does.
ARG NPM_VERSION=11.19.1
# The CA (PEM) of a TLS-inspecting proxy between this build and the npm registry, if
# there is one: trusted in this stage only (the runtime stage starts afresh). Without
# one, the file holds the roots Node.js trusts anyway.
ARG BUILD_CA_PEM=
RUN if printf '%s' "$BUILD_CA_PEM" | grep -q 'BEGIN CERTIFICATE'; then printf '%s\n' "$BUILD_CA_PEM"; \
    else node -p 'require("node:tls").rootCertificates.join("\n")'; fi > /tmp/build-ca.pem
ENV NODE_EXTRA_CA_CERTS=/tmp/build-ca.pem \
    TURBO_TELEMETRY_DISABLED=1 \
    TURBO_NO_UPDATE_NOTIFIER=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
RUN npm install -g "npm@${NPM_VERSION}"
WORKDIR /src

# Manifests first: the dependency layer is rebuilt only when they change.
COPY package.json package-lock.json ./
COPY apps/coordinator/package.json apps/coordinator/
COPY apps/worker/package.json apps/worker/
COPY packages/core/package.json packages/core/
COPY packages/test-support/package.json packages/test-support/
COPY bench/package.json bench/
COPY deploy/package.json deploy/
RUN npm ci

COPY . .
# turbo: core (tsc + WebAssembly + the Redis scripts), then worker (tsc + the CommonJS
# count-task bundle), then coordinator (tsc + the one-file CLI bundle and V8's code cache for it).
RUN npm run build \
 && test -f apps/coordinator/dist/logcluster.cjs \
 && test -f apps/coordinator/dist/logcluster.cjs.codecache \
 && test -f apps/worker/dist/count-task.bundle.cjs \
 && test -f packages/core/dist/wasm/kernel.wasm \
 && test -f packages/core/dist/runs/lua/recordResults-10.lua

# Production dependencies only (bullmq, ioredis, piscina, commander, regjsparser, …).
# The CLI bundle still loads piscina from node_modules, and resolves
# @logcluster/worker/count-task, @logcluster/core/kernel.wasm and the Redis scripts
# (@logcluster/core/lua/*) through the workspace links in node_modules/@logcluster; the
# links to workspaces the image leaves out go.
# typescript (23 MB) is there only as a peer of valibot (@bull-board/api's), for its types.
RUN npm prune --omit=dev \
 && rm -f node_modules/@logcluster/bench node_modules/@logcluster/deploy node_modules/@logcluster/test-support \
 && rm -rf node_modules/typescript \
 && find apps/coordinator/dist apps/worker/dist packages/core/dist -name '*.d.ts' -delete

# ---- runtime: Node.js, tini, redis-server, the built packages and their production dependencies ----
FROM ${NODE_IMAGE} AS runtime

# tini as PID 1: forwards SIGTERM to node (the worker then finishes the chunks in progress)
# and reaps zombies. redis-server for `analyze`, which starts a private one (in /tmp: give
# the container a writable /tmp, e.g. --tmpfs /tmp with --read-only). npm, npx, corepack
# and yarn are not needed to run the CLI: removed.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini redis-server \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
 && rm -f /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && groupadd --system --gid 10001 logcluster \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin logcluster

ENV NODE_ENV=production
WORKDIR /app

# Owned by root and read-only for the user the process runs as.
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/packages/core/package.json ./packages/core/package.json
COPY --from=build /src/packages/core/dist ./packages/core/dist
COPY --from=build /src/apps/worker/package.json ./apps/worker/package.json
COPY --from=build /src/apps/worker/dist ./apps/worker/dist
COPY --from=build /src/apps/coordinator/package.json ./apps/coordinator/package.json
COPY --from=build /src/apps/coordinator/bin ./apps/coordinator/bin
COPY --from=build /src/apps/coordinator/dist ./apps/coordinator/dist

USER 10001:10001

# `worker --metrics-port 9464` serves /metrics and /healthz there; `serve` listens on 3000.
EXPOSE 3000 9464
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/apps/coordinator/bin/logcluster.js"]
CMD ["--help"]
