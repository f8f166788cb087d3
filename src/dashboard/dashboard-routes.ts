import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../errors.ts';

export const dashboardPath = '/dashboard';

/** Everything the page loads comes from here: no inline script or style, no other origin. */
export const dashboardCsp = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const files: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'lib.js': 'text/javascript; charset=utf-8',
  'setup-page.js': 'text/javascript; charset=utf-8',
  'overview.js': 'text/javascript; charset=utf-8',
  'plan.js': 'text/javascript; charset=utf-8',
  'call-insight.js': 'text/javascript; charset=utf-8',
  'stats-lib.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};

/** Served from node_modules as published: the charting library and its stylesheet. */
const vendor: Record<string, { module: string; type: string }> = {
  'uPlot.esm.js': { module: 'uplot/dist/uPlot.esm.js', type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { module: 'uplot/dist/uPlot.min.css', type: 'text/css; charset=utf-8' },
};

/** Read once, at startup: a missing file stops the server then, not an operator later. */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const sources = [
    ...Object.entries(files).map(([name, type]) => ({ name, type, url: new URL(`./${name}`, import.meta.url) })),
    ...Object.entries(vendor).map(([name, v]) => ({ name, type: v.type, url: new URL(import.meta.resolve(v.module)) })),
  ];
  for (const { name, type, url } of sources) {
    const body = readFileSync(url);
    assets.set(name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
  return assets;
}

/**
 * The operator dashboard: one HTML page, its script and its stylesheet, served as they are
 * (no build step). It talks to the operator API with the token the operator pastes in.
 * The files change only with a deploy, so browsers revalidate (ETag) instead of caching blind.
 */
export function registerDashboard(app: FastifyInstance): void {
  const assets = loadAssets();
  const send = (name: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    const asset = assets.get(name);
    if (!asset) return reply.code(404).send(errorBody('not_found', 'no such file'));
    void reply
      .header('content-security-policy', dashboardCsp)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-cache')
      .header('etag', asset.etag);
    if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.header('content-type', asset.type).send(asset.body);
  };

  app.get(dashboardPath, send('index.html'));
  app.get(`${dashboardPath}/`, send('index.html'));
  app.get<{ Params: { file: string } }>(`${dashboardPath}/:file`, async (req, reply) => {
    const name = req.params.file;
    if (name === 'index.html' || !assets.has(name)) return reply.code(404).send(errorBody('not_found', 'no such file'));
    return send(name)(req, reply);
  });
}
