# syntax=docker/dockerfile:1
# code-runner: the sandboxed code-execution service with its web page, bubblewrap and the toolchains
# of the languages it offers.
# Build from the repository root:  docker build -f deploy/docker/code-runner.Dockerfile -t code-runner:dev .
# Run (the sandbox needs user namespaces; see deploy/README.md for why each option is there):
#   docker run --rm -p 10100:10100 --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
#     --security-opt systempaths=unconfined code-runner:dev
# The build steps live in build-steps.sh. With podman: deploy/images/build.sh (see deploy/README.md).

ARG NODE_IMAGE=node:24-bookworm-slim

# Node, pinned pnpm, and the shared build steps. pnpm comes from npm: corepack's signature check
# fails on registries that re-sign or mirror packages, and npm needs nothing extra.
FROM ${NODE_IMAGE} AS base
ARG PNPM_VERSION=12.21.0
RUN npm install -g --no-audit --no-fund pnpm@${PNPM_VERSION}
COPY deploy/docker/build-steps.sh /usr/local/bin/build-steps
WORKDIR /repo

# Only code-runner, runner-web and the packages they depend on: json/ (manifests + pruned lockfile)
# and full/ (sources).
FROM base AS prune
ARG TURBO_VERSION=2.11.11
RUN npm install -g --no-audit --no-fund turbo@${TURBO_VERSION}
COPY . .
RUN build-steps prune code-runner /out

# Dependencies first, from the manifests alone: this layer is reused until a package.json or the
# lockfile changes. Then the sources, the build, and the production files.
FROM base AS build
ENV PNPM_STORE_DIR=/pnpm-store
COPY --from=prune /out/json/ ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm-store build-steps install .
COPY --from=prune /out/full/ ./
RUN build-steps build code-runner .
RUN build-steps collect code-runner . /prod

# The toolchains' Debian packages, read from the language manifest (packages/languages): every language's,
# or only those of LANGUAGES, for a smaller image: names or aliases separated by commas, e.g.
#   --build-arg LANGUAGES=python,javascript,c++,go,bash,rust
# A language whose toolchain is not installed is not offered; an unknown name fails the build, saying why.
FROM ${NODE_IMAGE} AS toolchains
ARG LANGUAGES=all
COPY packages/languages/package.json /languages/package.json
COPY packages/languages/src/ /languages/src/
RUN node /languages/src/cli.ts packages "$LANGUAGES" > /toolchains.txt

# box-init, the parent of every sandboxed program (see packages/sandbox/README.md), built static here, so
# that the image compiles nothing at start and needs no C compiler unless C is one of its languages.
FROM ${NODE_IMAGE} AS box-init
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev \
 && rm -rf /var/lib/apt/lists/*
COPY packages/sandbox/src/box-init.c packages/sandbox/src/warm-box.c /src/
RUN gcc -O2 -Wall -static -o /box-init /src/box-init.c \
 && gcc -O2 -Wall -static -o /warm-box /src/warm-box.c

FROM ${NODE_IMAGE} AS runtime

# The sandbox (bubblewrap; util-linux and procps for the process tools; tini, the image's init and the
# subreaper of the sandbox's launcher) and the toolchains of the languages offered: a language whose
# toolchain is missing is not offered. Node itself is the image's. The toolchains' packages are those the
# toolchains stage read from the language manifest. The man1 directory works around openjdk's postinst on
# slim images, which omit /usr/share/man.
COPY --from=toolchains /toolchains.txt /tmp/toolchains.txt
RUN mkdir -p /usr/share/man/man1 \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      bubblewrap util-linux procps ca-certificates tini \
      $(cat /tmp/toolchains.txt) \
 && rm -rf /var/lib/apt/lists/* /tmp/toolchains.txt

# A fixed numeric uid so that Kubernetes can check runAsNonRoot. As non-root, the service runs each
# box through bubblewrap in an unprivileged user namespace.
RUN groupadd --system --gid 10001 runner \
 && useradd --system --uid 10001 --gid runner --no-create-home --shell /usr/sbin/nologin runner

# The isolation level this image is built for; the service refuses to start below it. "namespaces"
# needs user namespaces in the container (bubblewrap); build with basic for hosts without them.
ARG REQUIRE_ISOLATION=namespaces

# Defaults of apps/code-runner's configuration (NUM_RUNNERS defaults to the CPUs the container
# sees; set it to what the CPU limit allows). RUNNER_API_KEYS is a secret: pass it at run time.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=10100 \
    QUEUE_TIMEOUT_MS=10000 \
    MAX_QUEUE=100 \
    MAX_COMPILE_TIMEOUT_MS=10000 \
    MAX_RUN_TIMEOUT_MS=3000 \
    MAX_COMPILE_CPU_TIME_MS=10000 \
    MAX_RUN_CPU_TIME_MS=3000 \
    MAX_COMPILE_MEMORY_BYTES=536870912 \
    MAX_RUN_MEMORY_BYTES=268435456 \
    MAX_PROCESSES=64 \
    MAX_FILE_SIZE_BYTES=16777216 \
    MAX_DISK_BYTES=67108864 \
    MAX_OPEN_FILES=256 \
    MAX_OUTPUT_BYTES=65536 \
    COMPILE_CACHE_BYTES=268435456 \
    WORK_DIR=/tmp/code-runner \
    RATE_LIMIT_PER_MINUTE=0 \
    LOG_LEVEL=info \
    LOG_SOURCE=false \
    WEB_ROOT=/app/web \
    SANDBOX_INIT=/usr/local/libexec/box-init \
    REQUIRE_ISOLATION=${REQUIRE_ISOLATION}

# Labels last, after the slow layers: a new REVISION must not rebuild them.
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="code-runner" \
      org.opencontainers.image.description="Runs submitted source code in a sandbox over HTTP (original v1 API and Piston's v2 API)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="docker.io/library/node:24-bookworm-slim"

WORKDIR /app
# Root-owned and read-only for the service user: the code cannot be changed by the process running it.
COPY --from=build /prod/ /app/
# warm-box beside it: the init of each warm box (a sandbox kept from run to run), found there by the server.
COPY --from=box-init /box-init /warm-box /usr/local/libexec/

USER 10001:10001
EXPOSE 10100
STOPSIGNAL SIGTERM
# tini is PID 1: node never reaps children it did not start, and every orphan of a run (a daemon, a
# double fork) is re-parented to PID 1; unreaped, they count against the uid's process limit until
# no run can fork. tini also forwards SIGTERM to node, which then exits 0.
ENTRYPOINT ["/usr/bin/tini", "--"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/main.js"]
