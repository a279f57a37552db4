# syntax=docker/dockerfile:1

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json ./client/
# The gateway's own build needs no install script (the root's prepare builds the client, which
# the image does not hold).
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
# The simulators stay out of the image unless it is built for a sandbox (--build-arg SANDBOX=true).
ARG SANDBOX=false
RUN if [ "$SANDBOX" = "true" ]; then npm run build; else npm run build:production; fi \
 && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    LOG_FORMAT=json
WORKDIR /app
# Owned by root, read by the node user: nothing in the image is written at run time, so the root
# filesystem may be mounted read-only.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM reaches node itself: it drains (see README) and exits within SHUTDOWN_GRACE_MS.
STOPSIGNAL SIGTERM
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=25", "dist/main.js"]
