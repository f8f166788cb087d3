// The set-up checks, each with one line and one fix: what `switchboard doctor` prints and
// the dashboard's Set-up page shows. The same code runs in the CLI and in the server;
// what differs (where the test delivery is seen, the store) is passed in.
import OpenAI from 'openai';
import type { WebhookEndpoint } from 'openai/resources/webhooks/webhooks';
import type { Env } from '../config/config.ts';
import type { DeliveryReceipt } from '../inbound/delivery-log.ts';
import { agentDefaultsFromEnv } from '../profiles/agent-defaults.ts';
import { loadProfilesFile } from '../profiles/load-profiles.ts';
import { formatProblem } from '../profiles/problem.ts';
import { profilesPath } from '../profiles/profiles-path.ts';
import { type AgentSurfaces, agentSurfaces, type ConfiguredModel } from './agent-surfaces.ts';
import { explainApiError } from './api-errors.ts';
import { projectIdPattern, sipUri } from './bandwidth-route.ts';
import { liveIncoming, realtimeIncoming, wantedEventTypes } from './event-types.ts';
import { type PublicUrl, parsePublicUrl } from './public-url.ts';
import { hintMatches, secretFingerprint } from './secret-hint.ts';
import { nonEmpty, webhookSecretOf } from './setup-env.ts';
import { findEndpoints } from './webhook-endpoints.ts';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip' | 'info';
export type CheckId =
  | 'settings'
  | 'profile'
  | 'store'
  | 'api_key'
  | 'models'
  | 'webhook_endpoint'
  | 'public_url'
  | 'signing_secret'
  | 'bandwidth';

export interface CheckResult {
  id: CheckId;
  /** The going-live step it belongs to, for the message: "step 2 (OpenAI webhook)". */
  step: string;
  title: string;
  status: CheckStatus;
  message: string;
  fix: string | null;
}

export const steps = {
  settings: 'settings',
  openai: 'OpenAI API',
  publicUrl: 'step 1 (public URL)',
  webhook: 'step 2 (OpenAI webhook)',
  bandwidth: 'step 3 (Bandwidth routing)',
} as const;

/** What the server knows about the test delivery (the CLI asks it over the operator API). */
export interface ServerMark {
  seq: number;
  /** Fingerprints of the secrets the running server verifies with. */
  secrets: { current: string; previous: string | null };
}

export interface ReceiptSource {
  /** "this server", "Switchboard at http://127.0.0.1:3000". */
  describe: string;
  /** The last delivery seq now; throws ReceiptsUnavailable when it cannot be known. */
  mark(): Promise<ServerMark>;
  since(seq: number): Promise<DeliveryReceipt[]>;
}

/** The server cannot be asked: not running (`down`), or its operator API is off or refuses the token. */
export class ReceiptsUnavailable extends Error {
  readonly kind: 'down' | 'no_api';
  readonly fix: string;
  constructor(kind: 'down' | 'no_api', message: string, fix: string) {
    super(message);
    this.kind = kind;
    this.fix = fix;
  }
}

export interface CheckDeps {
  /** The settings as the server reads them. */
  env: Env;
  cwd: string;
  client: OpenAI;
  receipts: ReceiptSource;
  /** Writes nothing lasting; throws when the store cannot be written. Resolves to a description. */
  probeStore(): Promise<string>;
  /** Problems with the environment's settings (the server would refuse to start on any). */
  settingsProblems(): string[];
  requestTimeoutMs?: number;
  /** test() waits for the endpoint's answer: longer than a plain request. */
  testTimeoutMs?: number;
  /** How long to wait for the test delivery to show up at the server. */
  receiptWaitMs?: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  /** Overrides PUBLIC_URL. */
  publicUrl?: string;
}

/**
 * The test sends an event type this server ignores: OpenAI's sample of an incoming call
 * would be answered as a call (an accept of a call that does not exist). Whether OpenAI
 * tests event types the endpoint is not subscribed to is not documented: if it refuses,
 * the test falls back to the endpoint's own incoming-call type.
 */
const testEventType = 'batch.completed';
const reachedStatus = (code: number) => code >= 200 && code < 300;

const result = (
  id: CheckId,
  step: string,
  title: string,
  status: CheckStatus,
  message: string,
  fix: string | null = null,
): CheckResult => ({ id, step, title, status, message, fix });

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export async function runChecks(deps: CheckDeps): Promise<CheckResult[]> {
  const requestTimeoutMs = deps.requestTimeoutMs ?? 10_000;
  const env = deps.env;
  const results: CheckResult[] = [];
  const agents = agentSurfaces(env, deps.cwd);

  results.push(checkSettings(deps));
  results.push(checkProfile(env, deps.cwd));
  results.push(await checkStore(deps, requestTimeoutMs));

  const { check: key, project } = await checkApiKey(deps, requestTimeoutMs);
  results.push(key);
  results.push(
    key.status === 'fail'
      ? skipped('models', steps.openai, 'Models', 'the API key was refused')
      : await checkModels(deps, agents, requestTimeoutMs),
  );

  const publicUrl = parsePublicUrl(deps.publicUrl ?? nonEmpty(env.PUBLIC_URL) ?? '');
  const endpoint =
    key.status === 'fail'
      ? { check: skipped('webhook_endpoint', steps.webhook, 'Webhook endpoint', 'the API key was refused'), endpoint: null }
      : await checkEndpoint(deps, agents, publicUrl.ok ? publicUrl.value : null, requestTimeoutMs);
  results.push(endpoint.check);

  const delivery = endpoint.endpoint && publicUrl.ok ? await checkDelivery(deps, endpoint.endpoint, publicUrl.value) : null;
  const why = key.status === 'fail' ? 'the API key was refused' : 'no webhook endpoint points at this server';
  results.push(delivery?.reach ?? skipped('public_url', steps.publicUrl, 'Public URL reaches this server', why));
  results.push(delivery?.secret ?? skipped('signing_secret', steps.webhook, 'Signing secret', why));
  results.push(checkBandwidth(nonEmpty(env.OPENAI_PROJECT_ID) ?? project, agents));
  return results;
}

function skipped(id: CheckId, step: string, title: string, why: string): CheckResult {
  return result(id, step, title, 'skip', `not checked: ${why}`);
}

function checkSettings(deps: CheckDeps): CheckResult {
  const problems = deps.settingsProblems();
  if (problems.length === 0) return result('settings', steps.settings, 'Settings', 'pass', 'the environment and .env are valid');
  return result(
    'settings',
    steps.settings,
    'Settings',
    'fail',
    problems.slice(0, 5).join('; ') + (problems.length > 5 ? ` (and ${problems.length - 5} more)` : ''),
    'edit .env (see README → Configuration); the server refuses to start until these are fixed',
  );
}

function checkProfile(env: Env, cwd: string): CheckResult {
  const title = 'Profile file';
  const found = profilesPath(env, cwd);
  if (found.kind === 'none')
    return result('profile', steps.settings, title, 'pass', 'no profile file: the environment describes the one agent');
  if (found.kind === 'missing')
    return result(
      'profile',
      steps.settings,
      title,
      'fail',
      `SWITCHBOARD_CONFIG names ${found.path}, which does not exist`,
      'create the file or fix SWITCHBOARD_CONFIG',
    );
  const loaded = loadProfilesFile(found.path, { env, defaults: agentDefaultsFromEnv(env) });
  if (!loaded.ok) {
    const shown = loaded.problems.slice(0, 3).map((p) => formatProblem(p, found.path));
    return result(
      'profile',
      steps.settings,
      title,
      'fail',
      `${loaded.problems.length} problem(s): ${shown.join('; ')}`,
      `run \`switchboard check ${found.path}\` for every problem and its line, and fix them`,
    );
  }
  const s = loaded.profiles.summary;
  const summary = `${found.path}: ${s.agents} agents, ${s.routes} routes`;
  if (loaded.warnings.length > 0)
    return result(
      'profile',
      steps.settings,
      title,
      'warn',
      `${summary}, ${loaded.warnings.length} warning(s): ${formatProblem(loaded.warnings[0]!, found.path)}`,
      `run \`switchboard check ${found.path}\``,
    );
  return result('profile', steps.settings, title, 'pass', summary);
}

async function checkStore(deps: CheckDeps, timeoutMs: number): Promise<CheckResult> {
  try {
    const what = await withDeadline(deps.probeStore(), timeoutMs, 'the store');
    return result('store', steps.settings, 'Records store', 'pass', `${what} is writable`);
  } catch (err) {
    return result(
      'store',
      steps.settings,
      'Records store',
      'fail',
      `cannot write the records store: ${err instanceof Error ? err.message : String(err)}`,
      'check DATABASE_URL (PostgreSQL: reachable, user may write) or DATA_DIR (SQLite: the directory exists and is writable)',
    );
  }
}

async function checkApiKey(deps: CheckDeps, timeoutMs: number): Promise<{ check: CheckResult; project: string | undefined }> {
  if (!nonEmpty(deps.env.OPENAI_API_KEY)) {
    return {
      check: result(
        'api_key',
        steps.openai,
        'API key',
        'fail',
        'OPENAI_API_KEY is not set',
        'put your OpenAI API key in .env: OPENAI_API_KEY=sk-…',
      ),
      project: undefined,
    };
  }
  try {
    const { response } = await deps.client.models.list({ timeout: timeoutMs }).withResponse();
    // OpenAI names the key's project in this header (observed, not documented).
    const project = response.headers.get('openai-project') ?? undefined;
    return { check: result('api_key', steps.openai, 'API key', 'pass', 'OpenAI accepts OPENAI_API_KEY'), project };
  } catch (err) {
    const e = explainApiError(err, deps.env, timeoutMs);
    return { check: result('api_key', steps.openai, 'API key', 'fail', e.message, e.fix), project: undefined };
  }
}

/** Current models per kind, from the SDK's own lists (resources/realtime, resources/live). */
const currentModel: Record<ConfiguredModel['kind'], string | null> = {
  realtime: 'gpt-realtime-2.1',
  transcription: 'gpt-transcribe',
  live: 'gpt-live-1',
  delegation: null,
};

function suggestion(models: readonly ConfiguredModel[]): string {
  const parts = [...new Map(models.map((m) => [m.setting, m])).values()].map((m) => {
    const current = currentModel[m.kind];
    return `${m.setting} to ${current && current !== m.id ? `a current model such as ${current}` : 'a current model'}`;
  });
  return `set ${parts.join(', ')} (OpenAI's deprecations page lists the replacements)`;
}

async function checkModels(deps: CheckDeps, agents: AgentSurfaces, timeoutMs: number): Promise<CheckResult> {
  const title = 'Models';
  const today = (deps.now ?? (() => new Date()))().toISOString().slice(0, 10);
  const broken: { model: ConfiguredModel; text: string }[] = [];
  const deprecated: { model: ConfiguredModel; text: string }[] = [];
  for (const model of agents.models) {
    try {
      const found = await deps.client.models.retrieve(model.id, { timeout: timeoutMs });
      const shutdown = found.shutdown_date ?? null;
      if (shutdown && shutdown <= today) broken.push({ model, text: `${model.id} (${model.setting}) was shut down on ${shutdown}` });
      else if (shutdown)
        deprecated.push({ model, text: `${model.id} (${model.setting}) is deprecated: OpenAI shuts it down on ${shutdown}` });
    } catch (err) {
      if (err instanceof Error && 'status' in err && err.status === 404)
        broken.push({ model, text: `${model.id} (${model.setting}) does not exist for this key` });
      else {
        const e = explainApiError(err, deps.env, timeoutMs);
        return result('models', steps.openai, title, 'fail', `cannot look up ${model.id}: ${e.message}`, e.fix);
      }
    }
  }
  if (broken.length > 0) {
    return result(
      'models',
      steps.openai,
      title,
      'fail',
      [...broken, ...deprecated].map((b) => b.text).join('; '),
      suggestion(broken.map((b) => b.model)),
    );
  }
  if (deprecated.length > 0)
    return result(
      'models',
      steps.openai,
      title,
      'warn',
      deprecated.map((d) => d.text).join('; '),
      `before that date, ${suggestion(deprecated.map((d) => d.model))}`,
    );
  return result('models', steps.openai, title, 'pass', `${agents.models.map((m) => m.id).join(', ')}: available, none deprecated`);
}

async function checkEndpoint(
  deps: CheckDeps,
  agents: AgentSurfaces,
  publicUrl: PublicUrl | null,
  timeoutMs: number,
): Promise<{ check: CheckResult; endpoint: WebhookEndpoint | null }> {
  const title = 'Webhook endpoint';
  const fail = (message: string, fix: string) => ({
    check: result('webhook_endpoint', steps.webhook, title, 'fail', message, fix),
    endpoint: null,
  });
  if (!publicUrl) {
    const given = deps.publicUrl ?? nonEmpty(deps.env.PUBLIC_URL);
    return fail(
      given
        ? `PUBLIC_URL "${given}" is not a usable https:// URL`
        : 'PUBLIC_URL is not set: doctor does not know where OpenAI should reach this server',
      'run `switchboard setup --url https://your-public-host` (it registers the webhook and writes PUBLIC_URL to .env)',
    );
  }
  let found;
  try {
    found = await findEndpoints(deps.client, publicUrl.webhookUrl, { timeout: timeoutMs });
  } catch (err) {
    const e = explainApiError(err, deps.env, timeoutMs);
    return fail(`cannot list the project's webhook endpoints: ${e.message}`, e.fix);
  }
  const setupFix = `run \`switchboard setup --url ${publicUrl.baseUrl}\``;
  const endpoint = found.matching[0];
  if (!endpoint) {
    const elsewhere = found.others.map((e) => `${e.id} points at ${e.url}`).join('; ');
    return fail(
      `no webhook endpoint points at ${publicUrl.webhookUrl}${elsewhere ? ` (${elsewhere}: the wrong URL for this server)` : ''}`,
      `${setupFix}${elsewhere ? '; delete the endpoints at the wrong URL in the OpenAI dashboard' : ''}`,
    );
  }
  const wanted = wantedEventTypes(agents.surfaces);
  const lacking = wanted.filter((t) => !endpoint.event_types.includes(t));
  if (lacking.length > 0) {
    const why = lacking.includes(liveIncoming) ? ` (GPT-Live agents: ${agents.liveAgents.join(', ')})` : '';
    return {
      check: result(
        'webhook_endpoint',
        steps.webhook,
        title,
        'fail',
        `endpoint ${endpoint.id} at ${endpoint.url} is missing ${lacking.join(', ')}${why}: those calls never reach this server`,
        `${setupFix}: it adds the event types the agents need`,
      ),
      endpoint,
    };
  }
  const notes = [
    found.matching.length > 1
      ? `${found.matching.length} endpoints point at this URL (${found.matching.map((e) => e.id).join(', ')}): each call is delivered to every one; keep one`
      : null,
    ...found.others.map((e) => `endpoint ${e.id} also takes calls at ${e.url}`),
  ].filter((n): n is string => n !== null);
  const message = `${endpoint.id} → ${endpoint.url} for ${endpoint.event_types.join(', ')}`;
  if (notes.length > 0)
    return {
      check: result(
        'webhook_endpoint',
        steps.webhook,
        title,
        'warn',
        `${message}; ${notes.join('; ')}`,
        'delete the extra endpoints in the OpenAI dashboard (Settings → Webhooks)',
      ),
      endpoint,
    };
  return { check: result('webhook_endpoint', steps.webhook, title, 'pass', message), endpoint };
}

async function checkDelivery(
  deps: CheckDeps,
  endpoint: WebhookEndpoint,
  publicUrl: PublicUrl,
): Promise<{ reach: CheckResult; secret: CheckResult }> {
  const reachTitle = 'Public URL reaches this server';
  const secretTitle = 'Signing secret';
  const testTimeoutMs = deps.testTimeoutMs ?? 20_000;
  const reach = (status: CheckStatus, message: string, fix: string | null = null) =>
    result('public_url', steps.publicUrl, reachTitle, status, message, fix);
  const secret = (status: CheckStatus, message: string, fix: string | null = null) =>
    result('signing_secret', steps.webhook, secretTitle, status, message, fix);
  const localSecret = webhookSecretOf(deps.env) ?? null;
  const tunnelFix = `make ${publicUrl.baseUrl} forward to this server's port (tunnel running, reverse proxy or DNS pointing here), or run \`switchboard setup --url <the right URL>\``;

  let mark: ServerMark | null = null;
  let unavailable: ReceiptsUnavailable | null = null;
  try {
    mark = await deps.receipts.mark();
  } catch (err) {
    if (!(err instanceof ReceiptsUnavailable)) throw err;
    unavailable = err;
  }
  if (unavailable?.kind === 'down') {
    return {
      reach: reach('fail', unavailable.message, unavailable.fix),
      secret: secretByHint(endpoint, localSecret, secret, 'the server is not running'),
    };
  }

  let status: number;
  let sent: string = testEventType;
  try {
    const test = (type: typeof testEventType | typeof realtimeIncoming) =>
      deps.client.webhooks.test(endpoint.id, { event_type: type }, { timeout: testTimeoutMs });
    const tested = await test(testEventType).catch((err: unknown) => {
      if (!(err instanceof OpenAI.BadRequestError && err.param === 'event_type')) throw err;
      sent = realtimeIncoming;
      return test(realtimeIncoming);
    });
    status = tested.status_code;
  } catch (err) {
    const e = explainApiError(err, deps.env, testTimeoutMs);
    const apiSide = err instanceof Error && 'status' in err && (err.status === 401 || err.status === 403 || err.status === undefined);
    return {
      reach: reach(
        'fail',
        apiSide ? `cannot send the test event: ${e.message}` : `OpenAI could not deliver a test event to ${endpoint.url}: ${e.message}`,
        apiSide ? e.fix : tunnelFix,
      ),
      secret: secretByHint(endpoint, localSecret, secret, 'no test delivery'),
    };
  }

  if (!mark) {
    const note = `${unavailable?.message ?? 'the server cannot be asked'}`;
    return {
      reach: reach(
        reachedStatus(status) ? 'warn' : 'fail',
        `OpenAI delivered the test event to ${endpoint.url} and got HTTP ${status}, but doctor cannot see whether this server got it (${note})`,
        reachedStatus(status)
          ? (unavailable?.fix ?? null)
          : `${status === 400 ? 'if this server answered, it refused the signature (see the signing secret); otherwise ' : ''}${tunnelFix}`,
      ),
      secret:
        status === 400
          ? secret(
              'fail',
              `the endpoint refused the test delivery (HTTP 400), as Switchboard does a wrong signature`,
              `run \`switchboard setup --url ${publicUrl.baseUrl} --rotate\`, then restart Switchboard`,
            )
          : secretByHint(endpoint, localSecret, secret, 'the server cannot be asked'),
    };
  }

  const receipt = await waitForReceipt(deps, mark.seq, sent);
  if (!receipt) {
    return {
      reach: reach(
        'fail',
        `OpenAI delivered the test event to ${endpoint.url} and got HTTP ${status}, but it never arrived at ${deps.receipts.describe}: that URL leads somewhere else`,
        tunnelFix,
      ),
      secret: secretByHint(endpoint, localSecret, secret, 'the test delivery did not arrive'),
    };
  }
  const reached = reach('pass', `OpenAI's test delivery to ${endpoint.url} arrived at ${deps.receipts.describe} (HTTP ${status})`);
  const localPrint = localSecret ? await secretFingerprint(localSecret) : null;
  const stale = localPrint !== null && localPrint !== mark.secrets.current;
  const rotateFix = `run \`switchboard setup --url ${publicUrl.baseUrl} --rotate\`, then restart Switchboard`;
  if (!receipt.verified) {
    if (receipt.refusal === 'body')
      return { reach: reached, secret: secret('pass', 'the signature verified (the sample body was refused, which does not matter)') };
    return {
      reach: reached,
      secret: stale
        ? secret(
            'fail',
            `${deps.receipts.describe} refused the test delivery's signature: it runs with another OPENAI_WEBHOOK_SECRET than .env`,
            'restart Switchboard so it reads OPENAI_WEBHOOK_SECRET from .env',
          )
        : secret(
            'fail',
            `${deps.receipts.describe} refused the test delivery's signature: OPENAI_WEBHOOK_SECRET is not the secret of endpoint ${endpoint.id}`,
            rotateFix,
          ),
    };
  }
  if (receipt.secret === 'previous') {
    return {
      reach: reached,
      secret: secret(
        'warn',
        "verified only with OPENAI_WEBHOOK_SECRET_PREVIOUS, which expires: the current secret is not the endpoint's",
        rotateFix,
      ),
    };
  }
  if (stale) {
    return {
      reach: reached,
      secret: secret(
        'warn',
        'the running server verified it, but .env holds a newer OPENAI_WEBHOOK_SECRET than the server runs with (OpenAI still signs with the old one during a rotation)',
        'restart Switchboard so it reads the new secret before the old one expires',
      ),
    };
  }
  return { reach: reached, secret: secret('pass', `the server verified the test delivery's signature (endpoint ${endpoint.id})`) };
}

function secretByHint(
  endpoint: WebhookEndpoint,
  localSecret: string | null,
  secret: (s: CheckStatus, m: string, f?: string | null) => CheckResult,
  why: string,
): CheckResult {
  if (!localSecret)
    return secret(
      'fail',
      'OPENAI_WEBHOOK_SECRET is not set',
      'run `switchboard setup --url https://your-public-host`: it writes the secret to .env',
    );
  const matches = hintMatches(endpoint.signing_secret_hint, localSecret);
  if (matches === false)
    return secret(
      'fail',
      `OPENAI_WEBHOOK_SECRET does not match the hint of endpoint ${endpoint.id} (${endpoint.signing_secret_hint})`,
      'run `switchboard setup --url <your URL> --rotate`, then restart Switchboard',
    );
  if (matches === true)
    return secret('pass', `OPENAI_WEBHOOK_SECRET matches the hint of endpoint ${endpoint.id} (not proven by a delivery: ${why})`);
  return secret('warn', `not checked: ${why}`, null);
}

async function waitForReceipt(deps: CheckDeps, seq: number, eventType: string): Promise<DeliveryReceipt | undefined> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const waitMs = deps.receiptWaitMs ?? 5_000;
  const stepMs = 100;
  for (let waited = 0; ; waited += stepMs) {
    const arrived = await deps.receipts.since(seq);
    // Ours: the test's event type, or a delivery whose signature failed (its type is unknown then).
    const receipt = arrived.find((r) => r.eventType === eventType || !r.verified);
    if (receipt) return receipt;
    if (waited >= waitMs) return undefined;
    await sleep(stepMs);
  }
}

function checkBandwidth(project: string | undefined, agents: AgentSurfaces): CheckResult {
  const live = agents.surfaces.has('live') ? '; GPT-Live needs SRTP media on that route' : '';
  if (project && projectIdPattern.test(project)) {
    return result(
      'bandwidth',
      steps.bandwidth,
      'Bandwidth routing',
      'info',
      `route your numbers to ${sipUri(project)} (a Voice Configuration Package with a "Route to SIP URI" route); doctor cannot see Bandwidth's side${live}`,
    );
  }
  return result(
    'bandwidth',
    steps.bandwidth,
    'Bandwidth routing',
    'info',
    `route your numbers to ${sipUri(null)}${live}`,
    'set OPENAI_PROJECT_ID (OpenAI dashboard → Settings → Project) so the exact SIP URI is shown',
  );
}

export function failed(results: readonly CheckResult[], strict = false): CheckResult[] {
  return results.filter((r) => r.status === 'fail' || (strict && r.status === 'warn'));
}
