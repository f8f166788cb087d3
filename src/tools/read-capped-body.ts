// Reads a response body up to a byte cap, then stops reading (the rest is never buffered).

export interface CappedBody {
  text: string;
  truncated: boolean;
  bytes: number;
}

export async function readCappedBody(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<CappedBody> {
  if (body === null) return { text: '', truncated: false, bytes: 0 };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - bytes;
      if (value.byteLength > room) {
        chunks.push(value.subarray(0, room));
        bytes += room;
        truncated = true;
        break;
      }
      chunks.push(value);
      bytes += value.byteLength;
    }
  } finally {
    if (truncated) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
  // A character cut at the cap decodes as U+FFFD; drop it.
  const text = new TextDecoder().decode(Buffer.concat(chunks));
  return { text: truncated ? text.replace(/\uFFFD+$/, '') : text, truncated, bytes };
}
