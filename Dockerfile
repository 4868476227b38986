# syntax=docker/dockerfile:1

# ---- deps: full dependency tree (dev deps are needed to compile) ----
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund

# ---- build: compile TypeScript to dist/ ----
FROM deps AS build
COPY . .
RUN npm run build

# ---- prod-deps: production node_modules only ----
FROM node:22-bookworm-slim AS prod-deps
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
# Report charts are drawn on the server (ECharts SVG → PNG with resvg), which needs a font with
# Chinese glyphs: without it every Chinese character would be an empty box.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-noto-cjk && rm -rf /var/lib/apt/lists/*
# Files stay root-owned (read-only for the app); the process runs as `node`.
COPY package.json package-lock.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY data ./data
COPY locales ./locales
COPY migrations ./migrations
# The sandbox's page (src/sandbox/web/: plain HTML, CSS and JS, served as they are).
COPY src/sandbox/web ./src/sandbox/web
USER node
EXPOSE 3000
# The slim image has no curl: probe /healthz with Node's built-in fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/src/main.js"]
