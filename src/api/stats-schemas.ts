// GET /api/stats: its query and its answer, for validation and the OpenAPI document.
import { z } from 'zod';
import { type Outcome, outcomes } from '../records/call-record.ts';
import type { CallStats } from '../stats/call-stats.ts';
import { apiRegistry } from './schemas.ts';

const dayMs = 86_400_000;
export const statsMaxRangeDays = 93;
export const statsMaxHourlyDays = 31;

export const statsQuery = z
  .object({
    from: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z' })
      .optional()
      .meta({ description: 'Start of the range (inclusive); buckets start here. Default: 24 hours before `to`.' }),
    to: z.iso
      .datetime({ offset: true, error: 'expected an ISO 8601 date-time, e.g. 2026-12-02T00:00:00Z' })
      .optional()
      .meta({ description: 'End of the range (exclusive). Default: now.' }),
    bucket: z
      .enum(['hour', 'day'], { error: 'expected hour or day' })
      .optional()
      .meta({
        description: `Series bucket. Default: hour for ranges up to 7 days, else day. Hourly ranges: at most ${statsMaxHourlyDays} days.`,
      }),
    top: z.coerce
      .number({ error: 'expected a number from 1 to 50' })
      .int('expected a whole number')
      .min(1, 'at least 1')
      .max(50, 'at most 50')
      .default(5)
      .meta({ description: 'How many transfer reasons, numbers and profiles to list.' }),
  })
  .strict()
  .transform((q, ctx) => {
    const toMs = q.to ? Date.parse(q.to) : Date.now();
    const fromMs = q.from ? Date.parse(q.from) : toMs - dayMs;
    if (fromMs >= toMs) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    if (toMs - fromMs > statsMaxRangeDays * dayMs)
      ctx.addIssue({ code: 'custom', path: ['from'], message: `the range is at most ${statsMaxRangeDays} days` });
    const bucket = q.bucket ?? (toMs - fromMs <= 7 * dayMs ? 'hour' : 'day');
    if (bucket === 'hour' && toMs - fromMs > statsMaxHourlyDays * dayMs)
      ctx.addIssue({
        code: 'custom',
        path: ['bucket'],
        message: `hourly buckets cover at most ${statsMaxHourlyDays} days: use bucket=day`,
      });
    return { fromMs, toMs, bucket, top: q.top };
  });

const ranked = z.array(
  z.object({
    key: z.string().nullable().meta({ description: 'null: calls without one (a transfer with no reason given).' }),
    calls: z.number().int(),
  }),
);
const perOutcome = <T extends z.ZodType>(t: T) => z.object(Object.fromEntries(outcomes.map((o) => [o, t])) as Record<Outcome, T>);

export const callStatsSchema = z
  .object({
    from: z.iso.datetime(),
    to: z.iso.datetime(),
    bucket: z.enum(['hour', 'day']),
    series: z
      .object({ starts: z.array(z.iso.datetime()), byOutcome: perOutcome(z.array(z.number().int())) })
      .meta({ description: 'Calls that started in each bucket, by outcome.' }),
    totals: z.object({ calls: z.number().int(), answered: z.number().int(), byOutcome: perOutcome(z.number().int()) }),
    answerMs: z
      .object({ p50: z.number().nullable(), p95: z.number().nullable(), count: z.number().int() })
      .meta({ description: 'Webhook → accept, nearest-rank percentiles.' }),
    transfers: z.object({
      count: z.number().int(),
      rate: z.number().nullable().meta({ description: 'Transferred calls per answered call.' }),
      topReasons: ranked,
    }),
    duration: z
      .object({ averageSeconds: z.number().nullable(), count: z.number().int() })
      .meta({ description: 'Answered calls that ended, from the answer to the end.' }),
    cost: z
      .object({ totalUsd: z.number(), averageUsd: z.number().nullable(), count: z.number().int() })
      .meta({ description: 'Answered calls, in dollars, analysis included.' }),
    analysis: z.object({ done: z.number().int(), success: z.number().int(), failure: z.number().int() }),
    busiestNumbers: ranked.meta({ description: 'Dialed numbers by calls.' }),
    busiestProfiles: ranked,
  })
  .register(apiRegistry, { id: 'CallStats', description: 'The overview of calls that started in a range.' });

const _statsMatch: z.infer<typeof callStatsSchema> = {} as CallStats;
void _statsMatch;
