// GPT-Live call recordings on disk: DATA_DIR/recordings/<callId>.wav. Written whole (a
// temporary file renamed into place), so a reader never sees half a recording.
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const safeId = /^[A-Za-z0-9_-]{1,128}$/;

export class RecordingFiles {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The file of a call's recording; null for an id that could name something else. */
  path(callId: string): string | null {
    return safeId.test(callId) ? join(this.dir, `${callId}.wav`) : null;
  }

  async size(callId: string): Promise<number | null> {
    const path = this.path(callId);
    if (!path) return null;
    try {
      const s = await stat(path);
      return s.isFile() ? s.size : null;
    } catch {
      return null;
    }
  }

  async write(callId: string, body: Readable): Promise<number> {
    const path = this.path(callId);
    if (!path) throw new Error(`not a call id: ${callId}`);
    await mkdir(this.dir, { recursive: true });
    const temp = `${path}.${process.pid}.part`;
    try {
      await pipeline(body, createWriteStream(temp, { mode: 0o600 }));
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return (await stat(path)).size;
  }

  /** Deletes recordings written before `before` (retention: they go with their calls). */
  async purge(before: Date): Promise<number> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return 0;
    }
    let deleted = 0;
    for (const name of names) {
      if (!name.endsWith('.wav') && !name.endsWith('.part')) continue;
      const path = join(this.dir, name);
      try {
        if ((await stat(path)).mtimeMs < before.getTime()) {
          await rm(path, { force: true });
          deleted++;
        }
      } catch {
        // Gone meanwhile: nothing to do.
      }
    }
    return deleted;
  }
}
