import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ClusterMetrics } from './cluster.ts';

const takeoverBuckets = [0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 30];

/** The cluster's metrics, in the server's registry beside the call metrics. */
export function registerClusterMetrics(registry: Registry, opts: { callsOwned: () => number }): ClusterMetrics {
  const registers = [registry];
  new Gauge({
    name: 'switchboard_cluster_calls_owned',
    help: 'Calls this instance owns in the cluster (its claims that are accepting or live).',
    registers,
    collect() {
      this.set(opts.callsOwned());
    },
  });
  const takeovers = new Counter({
    name: 'switchboard_cluster_takeovers_total',
    help: 'Calls this instance took over from a dead or leaving one, by outcome (attached, ended, gave_up).',
    labelNames: ['outcome'],
    registers,
  });
  const takeoverSeconds = new Histogram({
    name: 'switchboard_cluster_takeover_seconds',
    help: 'From taking a call over to its control socket re-attached (or the call found over).',
    buckets: takeoverBuckets,
    registers,
  });
  const renewFailures = new Counter({
    name: 'switchboard_cluster_lease_renew_failures_total',
    help: 'Lease renewals that failed (the database did not answer).',
    registers,
  });
  const claimsRefused = new Counter({
    name: 'switchboard_cluster_claims_refused_total',
    help: 'Webhook deliveries answered without accepting: the call was claimed by another delivery, here or on another instance.',
    registers,
  });
  return {
    takeover(outcome, durationMs) {
      takeovers.inc({ outcome });
      if (outcome === 'attached') takeoverSeconds.observe(durationMs / 1000);
    },
    leaseRenewFailed: () => renewFailures.inc(),
    claimRefused: () => claimsRefused.inc(),
  };
}
