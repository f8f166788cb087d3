// Calls back when a file changes. Watches the directory, because editors and
// deploy tools replace files by renaming, which a watch on the file itself loses.
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

export type WatchFn = (dir: string, onChange: (filename: string | null) => void) => { close(): void };

const fsWatch: WatchFn = (dir, onChange) => {
  const watcher: FSWatcher = watch(dir, { persistent: false }, (_event, filename) => onChange(filename === null ? null : String(filename)));
  watcher.on('error', () => {}); // the directory went away: reload on SIGHUP still works
  return watcher;
};

export function watchFile(path: string, onChange: () => void, opts: { debounceMs?: number; watch?: WatchFn } = {}): () => void {
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  const watcher = (opts.watch ?? fsWatch)(dirname(path), (filename) => {
    if (filename !== null && filename !== name) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, opts.debounceMs ?? 200); // one save is often several events
  });
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
