# One Dockerfile, three targets: `collector`, `api` and `grafana` (Grafana with the Dockpulse plugin
# and the provisioning baked in), so `docker compose up -d` builds everything it runs.
#
# Stage order matters. The classic builder (docker-compose 1.x, `docker build` without BuildKit)
# builds every stage above the target, in file order. So the server targets come first and build
# only the TypeScript they run; the plugin's webpack build and Grafana come last and are built only
# for the `grafana` target. (No `# syntax=` line: BuildKit would try to pull that frontend image.)

ARG NODE_IMAGE=node:20-bookworm-slim
ARG GRAFANA_IMAGE=grafana/grafana:13.2.3

# ---- the workspace manifests: what npm ci needs, so source edits keep the install layer cached --
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY package.json package-lock.json ./
COPY common/package.json common/
COPY collector/package.json collector/
COPY api/package.json api/
COPY deploy/package.json deploy/
COPY plugin/package.json plugin/

# ---- server build: common, collector and api compiled with `tsc -b`; no plugin dependencies -----
FROM ${NODE_IMAGE} AS server-build
WORKDIR /src
COPY --from=manifests /src ./
# The root's devDependencies hold TypeScript; the plugin's ~700 MB of front-end packages stay out.
RUN npm ci --no-audit --no-fund --include-workspace-root --workspace common --workspace collector --workspace api
COPY tsconfig.json tsconfig.base.json ./
COPY common common
COPY collector collector
COPY api api
RUN npx --no-install tsc -b

# ---- runtime dependencies only ---------------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY --from=manifests /src ./
RUN npm ci --omit=dev --no-audit --no-fund --workspace common --workspace collector --workspace api \
 && mkdir -p common/node_modules collector/node_modules api/node_modules

FROM ${NODE_IMAGE} AS node-runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules node_modules
# npm nests a workspace's dependency under <workspace>/node_modules when the hoisted copy is another
# version (the api's lru-cache 11, for one): each image takes its workspaces' folders too.
COPY --from=prod-deps /app/common/node_modules common/node_modules
COPY --from=server-build /src/package.json ./
COPY sql sql
COPY --from=server-build /src/common/package.json common/
COPY --from=server-build /src/common/dist common/dist

# ---- collector ---------------------------------------------------------------------------------
FROM node-runtime AS collector
COPY --from=server-build /src/collector/package.json collector/
COPY --from=prod-deps /app/collector/node_modules collector/node_modules
COPY --from=server-build /src/collector/dist collector/dist
# The spool keeps rows across a database outage and a restart: mount a volume here.
RUN mkdir -p /var/lib/dockpulse/spool && chown -R node:node /var/lib/dockpulse
ENV SPOOL_DIR=/var/lib/dockpulse/spool
USER node
CMD ["node", "collector/dist/main.js"]

# ---- api ---------------------------------------------------------------------------------------
FROM node-runtime AS api
COPY --from=server-build /src/api/package.json api/
COPY --from=prod-deps /app/api/node_modules api/node_modules
COPY --from=server-build /src/api/dist api/dist
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --retries=5 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/api/v1/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "api/dist/main.js"]

# ---- plugin build (only the grafana target needs it) ------------------------------------------
FROM ${NODE_IMAGE} AS plugin-build
WORKDIR /src
COPY --from=manifests /src ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build -w plugin
# In the stack, file provisioning manages the dashboards (fixed folder, deletion disabled). Grafana
# imports an app's `includes` dashboards by itself when the app is enabled, under the same uids, so
# the stack's copy of the app leaves them out (README: "Dashboards: who manages them").
RUN node deploy/grafana/without-dashboard-includes.js plugin/dist/plugin.json

# ---- grafana with the plugin and the provisioning baked in -------------------------------------
FROM ${GRAFANA_IMAGE} AS grafana
# Outside /var/lib/grafana: the grafana-data volume is mounted there, and a volume keeps the copy of
# the first start, so a plugin under it would never be upgraded by a new image.
ENV GF_PATHS_PLUGINS=/usr/share/dockpulse/plugins
# Grafana installs its preinstalled plugins into that folder at start, as the grafana user (472);
# the Dockpulse app inside it stays root-owned, so it changes only with the image.
USER root
RUN mkdir -p /usr/share/dockpulse/plugins && chown 472:0 /usr/share/dockpulse/plugins
USER 472
COPY --from=plugin-build /src/plugin/dist /usr/share/dockpulse/plugins/dockpulse-containers-app
COPY provisioning /etc/grafana/provisioning
ENV GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS=dockpulse-containers-app,dockpulse-containers-datasource
