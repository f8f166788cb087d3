import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { dashboardCsp, registerDashboard } from './dashboard-routes.ts';

const app = Fastify();
registerDashboard(app);

describe('dashboard routes', () => {
  it('serves the page at /dashboard and /dashboard/ with a strict CSP and no-cache', async () => {
    for (const url of ['/dashboard', '/dashboard/']) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['content-security-policy']).toBe(dashboardCsp);
      expect(dashboardCsp).toMatch(/^default-src 'self';/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<script type="module" src="/dashboard/dashboard.js"></script>');
    }
  });

  it('serves the script, its helpers, the stylesheet and the icon with their content types', async () => {
    const expected: Record<string, string> = {
      'dashboard.js': 'text/javascript; charset=utf-8',
      'lib.js': 'text/javascript; charset=utf-8',
      'setup-page.js': 'text/javascript; charset=utf-8',
      'overview.js': 'text/javascript; charset=utf-8',
      'plan.js': 'text/javascript; charset=utf-8',
      'call-insight.js': 'text/javascript; charset=utf-8',
      'stats-lib.js': 'text/javascript; charset=utf-8',
      'uPlot.esm.js': 'text/javascript; charset=utf-8',
      'uPlot.min.css': 'text/css; charset=utf-8',
      'dashboard.css': 'text/css; charset=utf-8',
      'icon.svg': 'image/svg+xml',
    };
    for (const [file, type] of Object.entries(expected)) {
      const res = await app.inject({ url: `/dashboard/${file}` });
      expect(res.statusCode, file).toBe(200);
      expect(res.headers['content-type'], file).toBe(type);
      expect(res.headers['content-security-policy'], file).toBe(dashboardCsp);
      expect(res.body.length, file).toBeGreaterThan(100);
    }
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const first = await app.inject({ url: '/dashboard/dashboard.js' });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await app.inject({ url: '/dashboard/dashboard.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const other = await app.inject({ url: '/dashboard/dashboard.js', headers: { 'if-none-match': '"stale"' } });
    expect(other.statusCode).toBe(200);
  });

  it('serves nothing else from the folder: no sources, no tests, no traversal', async () => {
    for (const url of [
      '/dashboard/dashboard-routes.ts',
      '/dashboard/lib.test.ts',
      '/dashboard/lib.d.ts',
      '/dashboard/setup-page.d.ts',
      '/dashboard/stats-lib.d.ts',
      '/dashboard/uPlot.cjs.js',
      '/dashboard/index.html',
      '/dashboard/..%2Fmain.ts',
      '/dashboard/nope.js',
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it('serves the chart library as published, from node_modules', async () => {
    const res = await app.inject({ url: '/dashboard/uPlot.esm.js' });
    expect(res.body).toBe(readFileSync(new URL(import.meta.resolve('uplot/dist/uPlot.esm.js')), 'utf8'));
    expect(res.body).toMatch(/export \{ uPlot as default \}|export default uPlot/);
  });

  it('the page and the script put no data in as markup', async () => {
    const ours = ['dashboard.js', 'lib.js', 'setup-page.js', 'overview.js', 'plan.js', 'call-insight.js', 'stats-lib.js'];
    const script = (await Promise.all(ours.map((f) => app.inject({ url: `/dashboard/${f}` })))).map((r) => r.body).join('\n');
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    const page = (await app.inject({ url: '/dashboard' })).body;
    expect(page).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/); // CSP allows none of these
  });
});
