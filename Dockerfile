# The demo service's image (examples/demo-shop), the one its observability
# config names: build it from the repository root with
#   docker build -t ghcr.io/example/node-observability-kit-demo:0.1.0 .
# Node 24 runs the TypeScript sources directly (type stripping): there is no
# compile step. Stage 1 installs the production dependencies from the
# lockfile; stage 2 holds only those, the kit's catalog and exporter and the
# demo's sources, and runs as the unprivileged `node` user (uid 1000) on a
# filesystem the bundles mount read-only.
FROM node:24.21.0-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24.21.0-bookworm-slim
ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
COPY --chown=root:root catalog ./catalog
COPY --chown=root:root exporter ./exporter
COPY --chown=root:root examples/demo-shop ./examples/demo-shop
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains in-flight requests and exits 0 (examples/demo-shop/main.ts).
STOPSIGNAL SIGTERM
CMD ["node", "examples/demo-shop/main.ts"]
