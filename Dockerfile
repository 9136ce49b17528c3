# syntax=docker/dockerfile:1
# One Dockerfile, three targets: `collector`, `api` and `grafana` (Grafana with the Dockpulse plugin
# and the provisioning files baked in), so `docker compose up -d` builds everything it runs.

ARG NODE_IMAGE=node:20-bookworm-slim
ARG GRAFANA_IMAGE=grafana/grafana:12.4.2

# ---- the workspace manifests: what npm ci needs, so source edits keep the install layer cached --
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY package.json package-lock.json ./
COPY common/package.json common/
COPY collector/package.json collector/
COPY api/package.json api/
COPY deploy/package.json deploy/
COPY plugin/package.json plugin/

# ---- build: install every workspace, compile TypeScript, build the plugin -----------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY --from=manifests /src ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# ---- runtime dependencies only ---------------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /src ./
RUN npm ci --omit=dev --no-audit --no-fund --workspace common --workspace collector --workspace api

FROM ${NODE_IMAGE} AS node-runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules node_modules
COPY --from=build /src/package.json ./
COPY --from=build /src/sql sql
COPY --from=build /src/common/package.json common/
COPY --from=build /src/common/dist common/dist

# ---- collector ---------------------------------------------------------------------------------
FROM node-runtime AS collector
COPY --from=build /src/collector/package.json collector/
COPY --from=build /src/collector/dist collector/dist
# The spool keeps rows across a database outage and a restart: mount a volume here.
RUN mkdir -p /var/lib/dockpulse/spool && chown -R node:node /var/lib/dockpulse
ENV SPOOL_DIR=/var/lib/dockpulse/spool
USER node
CMD ["node", "collector/dist/main.js"]

# ---- api ---------------------------------------------------------------------------------------
FROM node-runtime AS api
COPY --from=build /src/api/package.json api/
COPY --from=build /src/api/dist api/dist
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/api/v1/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "api/dist/main.js"]

# ---- grafana with the plugin and the provisioning baked in -------------------------------------
FROM ${GRAFANA_IMAGE} AS grafana
COPY --from=build /src/plugin/dist /var/lib/grafana/plugins/dockpulse-containers-app
COPY provisioning /etc/grafana/provisioning
ENV GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=dockpulse-containers-app,dockpulse-containers-datasource
