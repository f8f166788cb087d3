# syntax=docker/dockerfile:1
FROM node:24-slim AS app
ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so a code change doesn't reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

COPY src ./src

# The store's default file lives here; mount a volume to keep it.
RUN mkdir -p /app/data && chown -R node:node /app/data
USER node

ENV LOCAL_PORT=3000 HOST=0.0.0.0
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.LOCAL_PORT||3000)+'/health').then(r=>process.exit(r.status===204?0:1),()=>process.exit(1))"]

# Node 24 runs the TypeScript sources directly (type stripping): no build step.
# SIGTERM reaches node directly (exec form), so live calls drain before exit.
# The node flags are npm start's (package.json): a small young generation (README, Performance).
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=8", "src/main.ts"]
