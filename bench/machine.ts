import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

export interface Pinning {
  enabled: boolean;
  how: string;
  /** Command prefixes: [] when not pinned. */
  standIn: string[];
  server: string[];
  orchestratorCpu: string | null;
}

/** Cores of the machine, not of this process's affinity mask (which pinning narrows). */
export function machineCores(): number {
  return Math.max(cpus().length, availableParallelism());
}

export function detectPinning(wanted: boolean): Pinning {
  const cores = machineCores();
  const hasTaskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!wanted || !hasTaskset || cores < 2) {
    const why = !wanted ? 'disabled (--no-pin)' : !hasTaskset ? 'taskset not available' : 'fewer than 2 cores';
    return { enabled: false, how: `not pinned: ${why}`, standIn: [], server: [], orchestratorCpu: null };
  }
  return {
    enabled: true,
    how: 'taskset: server (and its libuv/V8 threads) on CPU 1; stand-in and bench driver on CPU 0',
    standIn: ['taskset', '-c', '0'],
    server: ['taskset', '-c', '1'],
    orchestratorCpu: '0',
  };
}

export function pinSelf(p: Pinning): void {
  if (p.orchestratorCpu === null) return;
  execFileSync('taskset', ['-a', '-p', '-c', p.orchestratorCpu, String(process.pid)], { stdio: 'ignore' });
}

function git(...args: string[]): string {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** CPU time counters from /proc/stat, to tell how much the hypervisor took (steal) during the run. */
export function cpuTimes(): { total: number; steal: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    return { total: f.reduce((a, b) => a + b, 0), steal: f[7] ?? 0 };
  } catch {
    return null;
  }
}

/** The busiest other processes right now: what shared the machine with the bench. */
export function otherProcesses(ours: Array<number | undefined>): string[] {
  try {
    const out = execFileSync('ps', ['-eo', 'pcpu,pid,comm', '--sort=-pcpu'], { encoding: 'utf8' });
    return out
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .filter((l) => l && !ours.includes(Number(l.split(/\s+/)[1])) && !/\bps$/.test(l) && Number(l.split(/\s+/)[0]) >= 1)
      .slice(0, 6);
  } catch {
    return [];
  }
}

export function machineFacts() {
  const c = cpus();
  return {
    cpuModel: c[0]?.model ?? 'unknown',
    cores: machineCores(),
    memoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    nodeVersion: process.version,
    commit: git('rev-parse', 'HEAD'),
    branch: git('rev-parse', '--abbrev-ref', 'HEAD'),
    dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
    loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
  };
}
