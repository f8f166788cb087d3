// The operator API's set-up endpoints (Bearer API_TOKEN): the dashboard's Set-up page runs
// the checks here; `switchboard doctor` reads the deliveries to see its test arrive.
import type { FastifyInstance } from 'fastify';
import { bearerAuth } from '../api/auth.ts';
import { errorBody } from '../errors.ts';
import type { DeliveryLog } from '../inbound/delivery-log.ts';
import type { CheckResult } from './checks.ts';
import { failed } from './checks.ts';

export interface SetupRoutesDeps {
  token: string;
  deliveries: DeliveryLog;
  /** Fingerprints of the secrets the server verifies webhooks with now. */
  secrets: () => Promise<{ current: string; previous: string | null }>;
  runChecks: () => Promise<CheckResult[]>;
  now?: () => Date;
}

export interface ChecksRun {
  ranAt: string;
  ok: boolean;
  checks: CheckResult[];
}

export function registerSetupRoutes(app: FastifyInstance, deps: SetupRoutesDeps): void {
  const now = deps.now ?? (() => new Date());
  let last: ChecksRun | null = null;
  let running: Promise<ChecksRun> | null = null;
  // One run at a time: each sends OpenAI a test webhook, and a second page must not double that.
  const run = (): Promise<ChecksRun> => {
    running ??= deps
      .runChecks()
      .then((checks) => (last = { ranAt: now().toISOString(), ok: failed(checks).length === 0, checks }))
      .finally(() => (running = null));
    return running;
  };

  app.register(
    async (scope) => {
      scope.addHook('onRequest', bearerAuth(deps.token));
      scope.post('/checks', async () => run());
      scope.get('/checks', async () => last ?? { ranAt: null, ok: null, checks: null });
      scope.get<{ Querystring: { after?: string } }>('/deliveries', async (req, reply) => {
        const after = req.query.after === undefined ? 0 : Number(req.query.after);
        if (!Number.isInteger(after) || after < 0)
          return reply.code(400).send(errorBody('invalid_request', 'after: expected a whole number', { field: 'after' }));
        return { lastSeq: deps.deliveries.lastSeq, deliveries: deps.deliveries.since(after), secrets: await deps.secrets() };
      });
    },
    { prefix: '/api/setup' },
  );
}
