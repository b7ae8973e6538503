# syntax=docker/dockerfile:1
# testero: the resource-stress service, as one small image.
# Build from the repository root:  docker build -f deploy/docker/testero.Dockerfile -t testero:dev .
# The build steps live in build-steps.sh. With podman: deploy/images/build.sh (see deploy/README.md).

ARG NODE_IMAGE=node:24-bookworm-slim

# Node, pinned pnpm, and the shared build steps. pnpm comes from npm: corepack's signature check
# fails on registries that re-sign or mirror packages, and npm needs nothing extra.
FROM ${NODE_IMAGE} AS base
ARG PNPM_VERSION=12.21.0
RUN npm install -g --no-audit --no-fund pnpm@${PNPM_VERSION}
COPY deploy/docker/build-steps.sh /usr/local/bin/build-steps
WORKDIR /repo

# Only testero and the packages it depends on: json/ (manifests + pruned lockfile) and full/ (sources).
FROM base AS prune
ARG TURBO_VERSION=2.11.11
RUN npm install -g --no-audit --no-fund turbo@${TURBO_VERSION}
COPY . .
RUN build-steps prune testero /out

# Dependencies first, from the manifests alone: this layer is reused until a package.json or the
# lockfile changes. Then the sources, the build, and the production files.
FROM base AS build
ENV PNPM_STORE_DIR=/pnpm-store
COPY --from=prune /out/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm-store build-steps install .
COPY --from=prune /out/full/ ./
# dist/: the server's bundle, its CPU worker and the dashboard it serves at / (dist/web, from apps/testero/web).
RUN build-steps build testero .
RUN build-steps collect testero . /prod

FROM ${NODE_IMAGE} AS runtime

# tini as PID 1 (see the ENTRYPOINT): node does not reap children it did not start.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*

# A fixed numeric uid so that Kubernetes can check runAsNonRoot; group 0 owns /data so that
# OpenShift's arbitrary uids (always in group 0) can write there too.
RUN groupadd --system --gid 10001 testero \
 && useradd --system --uid 10001 --gid testero --no-create-home --shell /usr/sbin/nologin testero \
 && mkdir -p /data \
 && chown 10001:0 /data \
 && chmod 0770 /data

# Defaults of apps/testero's configuration. HIGHMEMLIM and HIGHFILELIM are left unset on purpose:
# testero then measures what its cgroup and the filesystem of DATADIR really allow. Set them below
# the container's limits (deploy/k8s does). TESTERO_TOKEN is a secret: pass it at run time.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    DATADIR=/data \
    NUMTOFACTOR=493440589722494743501 \
    FAILURE_DELAY_MS=1000 \
    LOG_LEVEL=info

# Labels last, after the slow layers: a new REVISION must not rebuild them.
ARG VERSION=0.0.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="testero" \
      org.opencontainers.image.description="Holds memory, fills disk and loads the CPU on request, to test Kubernetes limits, eviction and autoscaling" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"

WORKDIR /app
# Root-owned and read-only for the service user: the code cannot be changed by the process running it.
COPY --from=build /prod/ /app/

USER 10001:10001
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
# tini is PID 1: it reaps whatever is re-parented to it and forwards SIGTERM to node, which then
# deletes its files and exits 0.
ENTRYPOINT ["/usr/bin/tini", "--"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/main.js"]
