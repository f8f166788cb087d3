// Keyset pagination: the cursor is the last row's (startedAt, callId), opaque to clients.

export interface CallCursor {
  startedAtMs: number;
  callId: string;
}

export function encodeCursor(cursor: CallCursor): string {
  return Buffer.from(JSON.stringify([cursor.startedAtMs, cursor.callId])).toString('base64url');
}

/** null when the text is not a cursor this service made. */
export function decodeCursor(text: string): CallCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return null;
    const [startedAtMs, callId] = value as unknown[];
    if (typeof startedAtMs !== 'number' || !Number.isSafeInteger(startedAtMs) || typeof callId !== 'string') return null;
    return { startedAtMs, callId };
  } catch {
    return null;
  }
}
