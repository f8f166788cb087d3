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
  'dashboard.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};

/** Read once, at startup: a missing file stops the server then, not an operator later. */
function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, type] of Object.entries(files)) {
    const body = readFileSync(new URL(`./${name}`, import.meta.url));
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
