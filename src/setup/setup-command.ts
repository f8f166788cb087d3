// `switchboard setup --url https://host`: registers (or updates) the project's webhook
// endpoint for this server, writes its signing secret into .env, and prints the
// Bandwidth routing. Running it again changes nothing; `--rotate` rotates the secret.
import { parseArgs } from 'node:util';
import type { WebhookEndpoint, WebhookEndpointWithSecret } from 'openai/resources/webhooks/webhooks';
import type { Env } from '../config/config.ts';
import { agentSurfaces } from './agent-surfaces.ts';
import { explainApiError } from './api-errors.ts';
import { bandwidthSteps, projectIdPattern, sipUri } from './bandwidth-route.ts';
import { editEnvText, writeEnvFile } from './env-file.ts';
import { liveIncoming, sameEventTypes, wantedEventTypes } from './event-types.ts';
import { type PublicUrl, parsePublicUrl } from './public-url.ts';
import { hintMatches } from './secret-hint.ts';
import { loadSetupEnv, nonEmpty, type SetupEnv, setupClient, webhookSecretOf } from './setup-env.ts';
import { findEndpoints } from './webhook-endpoints.ts';

export interface SetupIo {
  /** The process environment (the .env file is read separately, and loses to it). */
  env: Env;
  cwd: string;
  out: (text: string) => void;
  err: (text: string) => void;
  now?: () => Date;
  /** Deadline of each request to OpenAI. */
  requestTimeoutMs?: number;
}

export const setupUsage = `Usage: switchboard setup --url https://your-public-host [options]

Registers this server's webhook with your OpenAI project (or updates the one that
already points at the URL), writes the signing secret into .env, and prints the
Bandwidth routing. Running it again changes nothing.

Options:
  --url URL         the public base URL OpenAI reaches this server at (https://…);
                    the webhook is URL/webhooks/openai/realtime/call/inbound (required,
                    or PUBLIC_URL)
  --project ID      your OpenAI project id (proj_…), for the SIP URI; saved as
                    OPENAI_PROJECT_ID (default: $OPENAI_PROJECT_ID, else asked of the API)
  --rotate          rotate the signing secret; the old one stays valid for 24 hours
                    (the server accepts both: OPENAI_WEBHOOK_SECRET_PREVIOUS)
  --name NAME       the endpoint's name in the OpenAI dashboard (default Switchboard)
  --env-file FILE   the file to write (default .env)
  -h, --help        show this help

Exit status: 0 done, 1 failed (the message names the step and the fix), 64 usage.
`;

const secretKeys = {
  current: 'OPENAI_WEBHOOK_SECRET',
  previous: 'OPENAI_WEBHOOK_SECRET_PREVIOUS',
  until: 'OPENAI_WEBHOOK_SECRET_PREVIOUS_UNTIL',
} as const;
const rotationWindowMs = 24 * 60 * 60 * 1000;

class SetupFailure extends Error {
  readonly step: string;
  readonly fix: string;
  constructor(step: string, message: string, fix: string) {
    super(message);
    this.step = step;
    this.fix = fix;
  }
}

function processIo(): SetupIo {
  return { env: process.env, cwd: process.cwd(), out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
}

export async function runSetupCommand(argv: readonly string[], io: SetupIo = processIo()): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.filter((a) => a !== '--'),
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        project: { type: 'string' },
        rotate: { type: 'boolean' },
        name: { type: 'string' },
        'env-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    io.err(`switchboard setup: ${(err as Error).message}\n\n${setupUsage}`);
    return 64;
  }
  if (values.help) {
    io.out(setupUsage);
    return 0;
  }
  const loaded = loadSetupEnv(io.env, io.cwd, values['env-file']);
  const urlInput = values.url ?? nonEmpty(loaded.env.PUBLIC_URL);
  if (!urlInput) {
    io.err(`switchboard setup: --url is required: the public https:// URL OpenAI reaches this server at\n\n${setupUsage}`);
    return 64;
  }
  const url = parsePublicUrl(urlInput);
  if (!url.ok) {
    io.err(
      `switchboard setup: step 1 (public URL): ${url.message}\n  fix: expose the server with a tunnel or a TLS reverse proxy, then pass its https:// URL\n`,
    );
    return 1;
  }
  if (values.project !== undefined && !projectIdPattern.test(values.project)) {
    io.err(`switchboard setup: --project: expected an OpenAI project id like proj_12345abc, got "${values.project}"\n`);
    return 64;
  }
  if (values.name !== undefined && (values.name.length === 0 || values.name.length > 256)) {
    io.err('switchboard setup: --name: expected 1 to 256 characters\n');
    return 64;
  }
  try {
    await setup(io, loaded, url.value, {
      rotate: values.rotate ?? false,
      name: values.name ?? 'Switchboard',
      project: values.project ?? null,
    });
    return 0;
  } catch (err) {
    if (!(err instanceof SetupFailure)) throw err;
    io.err(`switchboard setup: ${err.step}: ${err.message}\n  fix: ${err.fix}\n`);
    return 1;
  }
}

interface SetupOptions {
  rotate: boolean;
  name: string;
  project: string | null;
}

async function setup(io: SetupIo, loaded: SetupEnv, url: PublicUrl, opts: SetupOptions): Promise<void> {
  const { env } = loaded;
  const now = io.now ?? (() => new Date());
  const timeoutMs = io.requestTimeoutMs ?? 15_000;
  const webhookStep = 'step 2 (OpenAI webhook)';
  if (!nonEmpty(env.OPENAI_API_KEY)) {
    throw new SetupFailure(
      webhookStep,
      'OPENAI_API_KEY is not set',
      'put your OpenAI API key in .env (OPENAI_API_KEY=sk-…) and run setup again',
    );
  }
  const client = setupClient(env, timeoutMs);
  const api = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      const explained = explainApiError(err, env, timeoutMs);
      throw new SetupFailure(webhookStep, explained.message, explained.fix);
    }
  };

  const agents = agentSurfaces(env, io.cwd);
  const wanted = wantedEventTypes(agents.surfaces);
  const { data: available, response } = await api(() => client.webhooks.eventTypes.list().withResponse());
  if (agents.surfaces.has('live') && !available.data.includes(liveIncoming)) {
    throw new SetupFailure(
      webhookStep,
      `GPT-Live agents (${agents.liveAgents.join(', ')}) need ${liveIncoming}, which this OpenAI project cannot subscribe to`,
      'ask OpenAI to enable GPT-Live SIP for the project, or move those agents off `surface: live`',
    );
  }
  const projectId = opts.project ?? nonEmpty(env.OPENAI_PROJECT_ID) ?? detectedProject(response.headers);

  io.out(
    `Switchboard setup for ${url.baseUrl}\n\nStep 1 · public URL\n  OpenAI will POST incoming calls to ${url.webhookUrl}\n\nStep 2 · OpenAI webhook\n`,
  );
  const found = await api(() => findEndpoints(client, url.webhookUrl));
  const existing = found.matching[0];
  const localSecret = webhookSecretOf(env) ?? null;
  let secret: { value: string; previous: string | null } | null = null;
  let endpoint: WebhookEndpoint | WebhookEndpointWithSecret;

  if (!existing) {
    const created = await api(() => client.webhooks.create({ name: opts.name, url: url.webhookUrl, event_types: wanted }));
    endpoint = created;
    secret = { value: created.signing_secret, previous: null };
    io.out(`  created webhook endpoint ${created.id} "${created.name}" for ${created.event_types.join(', ')}\n`);
    if (opts.rotate) io.out('  (--rotate: there was no endpoint to rotate; the new one has a fresh secret)\n');
  } else {
    endpoint = existing;
    if (sameEventTypes(existing.event_types, wanted)) {
      io.out(
        `  webhook endpoint ${existing.id} "${existing.name}" already points here with ${existing.event_types.join(', ')}: unchanged\n`,
      );
    } else {
      endpoint = await api(() => client.webhooks.update(existing.id, { event_types: wanted }));
      io.out(
        `  updated webhook endpoint ${existing.id}: event types ${existing.event_types.join(', ')} → ${endpoint.event_types.join(', ')}\n`,
      );
    }
    if (opts.rotate || !localSecret) {
      // keep_old: whatever still holds the old secret keeps verifying for 24 h.
      const rotated = await api(() => client.webhooks.rotateSecret(existing.id, { keep_old_secret_active_for_24_hours: true }));
      secret = { value: rotated.signing_secret, previous: localSecret };
      endpoint = rotated;
      io.out(
        opts.rotate
          ? '  rotated the signing secret; OpenAI signs with the old one too for 24 hours\n'
          : '  no signing secret in .env for this endpoint (OpenAI shows a secret only once): rotated it, the old one stays valid for 24 hours\n',
      );
    } else if (hintMatches(existing.signing_secret_hint, localSecret) === false) {
      throw new SetupFailure(
        webhookStep,
        `the signing secret in .env (OPENAI_WEBHOOK_SECRET) is not the secret of endpoint ${existing.id} (hint ${existing.signing_secret_hint})`,
        `run \`switchboard setup --url ${url.baseUrl} --rotate\`: it gets a new secret into .env and keeps the old one valid for 24 hours`,
      );
    }
  }
  if (found.matching.length > 1) {
    io.out(
      `  note: ${found.matching.length} endpoints point at this URL (${found.matching.map((e) => e.id).join(', ')}); each call is then delivered to every one, signed with its own secret. Delete all but ${endpoint.id} in the OpenAI dashboard.\n`,
    );
  }
  for (const other of found.others) {
    io.out(
      `  note: endpoint ${other.id} "${other.name}" also receives ${other.event_types.join(', ')} at ${other.url}: delete it if nothing answers there any more (OpenAI retries undelivered webhooks for up to 72 hours)\n`,
    );
  }

  writeSettings(io, loaded, { url, secret, projectFlag: opts.project, now: now() });
  io.out(`\nStep 3 · Bandwidth routing\n  Route your numbers to: ${sipUri(projectId)}\n`);
  bandwidthSteps(projectId, agents.surfaces.has('live')).forEach((line, i) => io.out(`  ${i + 1}. ${line}\n`));
  io.out('\nStep 4 · check the line\n  switchboard doctor   (with the server running: it sends a test webhook and checks it arrives)\n');
}

function detectedProject(headers: Headers): string | null {
  // OpenAI names the key's project in this response header (observed, not documented).
  const value = headers.get('openai-project');
  return value && projectIdPattern.test(value) ? value : null;
}

interface SettingsChange {
  url: PublicUrl;
  secret: { value: string; previous: string | null } | null;
  projectFlag: string | null;
  now: Date;
}

/** The .env lines setup owns; every other line stays. Never prints a secret. */
function writeSettings(io: SetupIo, loaded: SetupEnv, change: SettingsChange): void {
  const { file, processEnv } = loaded;
  const changes: Record<string, string | null> = { PUBLIC_URL: change.url.baseUrl };
  if (change.projectFlag) changes.OPENAI_PROJECT_ID = change.projectFlag;
  if (change.secret) {
    changes[secretKeys.current] = change.secret.value;
    // Bandwidth's name for the same setting: one name only, or the stale one could win somewhere.
    if (file.values.OPENAI_SIGNING_SECRET !== undefined) changes.OPENAI_SIGNING_SECRET = null;
    const previous = change.secret.previous;
    changes[secretKeys.previous] = previous;
    changes[secretKeys.until] = previous ? new Date(change.now.getTime() + rotationWindowMs).toISOString() : null;
  } else {
    const until = Date.parse(file.values[secretKeys.until] ?? '');
    if (file.values[secretKeys.previous] !== undefined && Number.isFinite(until) && until <= change.now.getTime()) {
      changes[secretKeys.previous] = null;
      changes[secretKeys.until] = null;
    }
  }
  const after = editEnvText(file.text, changes);
  const written = writeEnvFile(file.path, file.text, after);
  const shown = (key: string) => (key.includes('SECRET') && changes[key] !== null ? `${key} (not shown)` : key);
  const changedKeys = Object.keys(changes).filter((k) => (changes[k] ?? undefined) !== file.values[k]);
  if (!written) io.out(`  ${file.path}: already up to date\n`);
  else io.out(`  ${file.text === '' ? 'created' : 'wrote'} ${file.path}: ${changedKeys.map(shown).join(', ')}\n`);
  for (const key of changedKeys) {
    const value = changes[key];
    if (processEnv[key] !== undefined && processEnv[key] !== '' && processEnv[key] !== value) {
      io.out(`  warning: ${key} is also set in the environment, which wins over ${file.path}: update or unset it there\n`);
    }
  }
  if (change.secret) io.out('  restart Switchboard so it uses the new signing secret\n');
}
