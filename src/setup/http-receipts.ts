// Doctor's view of the running server: asks its operator API (GET /api/setup/deliveries)
// whether OpenAI's test delivery arrived and which secret it runs with.
import type { DeliveryReceipt } from '../inbound/delivery-log.ts';
import { type ReceiptSource, ReceiptsUnavailable, type ServerMark } from './checks.ts';

interface DeliveriesAnswer {
  lastSeq: number;
  deliveries: DeliveryReceipt[];
  secrets: { current: string; previous: string | null };
}

export function httpReceipts(serverUrl: string, token: string | undefined, timeoutMs: number): ReceiptSource {
  const base = serverUrl.replace(/\/+$/, '');
  const describe = `Switchboard at ${base}`;
  const startFix = `start Switchboard (npm start) and run doctor again; --server-url if it listens elsewhere than ${base}`;

  const get = async (path: string): Promise<Response> => {
    try {
      return await fetch(`${base}${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause =
        err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
      throw new ReceiptsUnavailable(
        'down',
        `Switchboard is not running at ${base} (${cause}): the test delivery has nowhere to arrive`,
        startFix,
      );
    }
  };

  const deliveries = async (after: number): Promise<DeliveriesAnswer> => {
    const res = await get(`/api/setup/deliveries?after=${after}`);
    const body = (await res.json().catch(() => null)) as (DeliveriesAnswer & { error?: string }) | null;
    if (res.ok && body) return body;
    if (body?.error === 'api_disabled') {
      throw new ReceiptsUnavailable(
        'no_api',
        `the operator API of ${describe} is off`,
        'set API_TOKEN (16+ random characters) in .env and restart Switchboard, so doctor can ask it',
      );
    }
    if (res.status === 401) {
      throw new ReceiptsUnavailable(
        'no_api',
        `${describe} refused API_TOKEN`,
        'use the same API_TOKEN as the running server (restart it after changing .env)',
      );
    }
    throw new ReceiptsUnavailable(
      'no_api',
      `${describe} answered ${res.status} to GET /api/setup/deliveries`,
      'run a Switchboard version with `switchboard doctor` support',
    );
  };

  return {
    describe,
    async mark(): Promise<ServerMark> {
      await get('/health');
      if (!token) {
        throw new ReceiptsUnavailable(
          'no_api',
          'API_TOKEN is not set, so doctor cannot ask the server',
          'set API_TOKEN (16+ random characters) in .env and restart Switchboard',
        );
      }
      const answer = await deliveries(0);
      return { seq: answer.lastSeq, secrets: answer.secrets };
    },
    async since(seq: number): Promise<DeliveryReceipt[]> {
      return (await deliveries(seq)).deliveries;
    },
  };
}
