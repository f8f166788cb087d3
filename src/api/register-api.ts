import type { FastifyError, FastifyInstance } from 'fastify';
import pkg from '../../package.json' with { type: 'json' };
import type { LiveCalls } from '../calls/live-calls.ts';
import { errorBody } from '../errors.ts';
import type { Logger } from '../log/logger.ts';
import type { PreviewSource } from '../plan/preview-call.ts';
import type { RecordingFiles } from '../recordings/recording-files.ts';
import type { CallRecords } from '../records/records-service.ts';
import type { CallSession } from '../session/call-session.ts';
import { bearerAuth } from './auth.ts';
import { registerCallsRoutes } from './calls-routes.ts';
import type { ApiCluster } from './live-commands.ts';
import { registerLiveRoutes } from './live-routes.ts';
import { buildOpenApi } from './openapi.ts';
import { registerPlanRoutes } from './plan-routes.ts';
import { recordingLinks, registerRecordingRoutes } from './recording-routes.ts';
import type { SseStream } from './sse.ts';
import { registerStatsRoutes } from './stats-routes.ts';

export interface ApiDeps {
  /** API_TOKEN; null turns the API off. */
  token: string | null;
  records: CallRecords;
  liveCalls: LiveCalls<CallSession>;
  log: Logger;
  heartbeatMs?: number;
  /** The routing preview's source: the agents in force (the profile file's, or the environment's). */
  preview?: () => PreviewSource;
  /** Several instances on one database: commands relayed to a call's owner, and who owns it. */
  cluster?: ApiCluster | null;
  /** GPT-Live recordings on disk (DATA_DIR/recordings). */
  recordings?: RecordingFiles;
}

/** The operator API under /api (Bearer API_TOKEN), and its OpenAPI document at /openapi.json (public). */
export function registerApi(app: FastifyInstance, deps: ApiDeps): void {
  const openapi = buildOpenApi({ version: pkg.version });
  app.get('/openapi.json', async (_req, reply) => reply.send(openapi));

  const token = deps.token;
  if (!token) {
    // Off means off: never open by accident.
    app.all('/api/*', async (_req, reply) => reply.code(404).send(errorBody('api_disabled')));
    return;
  }

  const streams = new Set<SseStream>();
  app.addHook('preClose', async () => {
    for (const stream of [...streams]) stream.end();
  });

  // Its own scope: the token, or a signed link (what an <audio> element can use).
  const recordings = deps.recordings;
  if (recordings) app.register(async (scope) => registerRecordingRoutes(scope, { files: recordings, token }), { prefix: '/api' });

  app.register(
    async (api) => {
      api.addHook('onRequest', bearerAuth(token));
      api.setErrorHandler((err: FastifyError, _req, reply) => {
        const status = err.statusCode ?? 500;
        if (status < 500) {
          // Fastify's own refusals (malformed JSON, empty JSON body, too large): still name what is wrong.
          return reply.code(status).send(errorBody('invalid_request', `body: ${err.message}`, { field: 'body' }));
        }
        return reply.send(err); // the server's handler logs it and answers 500
      });
      api.setNotFoundHandler(async (_req, reply) => reply.code(404).send(errorBody('not_found', 'no such endpoint: see /openapi.json')));
      registerCallsRoutes(api, {
        cluster: deps.cluster ?? null,
        records: deps.records,
        liveCalls: deps.liveCalls,
        log: deps.log,
        heartbeatMs: deps.heartbeatMs ?? 15_000,
        streams,
        ...(recordings ? { recordingLinks: recordingLinks(recordings, token) } : {}),
      });
      registerLiveRoutes(api, { liveCalls: deps.liveCalls, cluster: deps.cluster ?? null });
      registerStatsRoutes(api, { stats: (q) => deps.records.stats(q) });
      if (deps.preview) registerPlanRoutes(api, { preview: deps.preview });
    },
    { prefix: '/api' },
  );
}
