# One image for both planes; the command picks which one runs.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
COPY schema/package.json schema/
COPY control-plane/package.json control-plane/
COPY data-plane/package.json data-plane/
COPY web/package.json web/
COPY test/package.json test/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production TOLLGATE_HOST=0.0.0.0
COPY --from=build /app /app
# The data plane's usage spool (unacknowledged spend events) lives in /app/.tollgate/spool: writable by the app user.
RUN mkdir -p /app/.tollgate && chown node:node /app/.tollgate
USER node
EXPOSE 4000 4001
CMD ["node", "--max-semi-space-size=4", "data-plane/dist/main.js"]
