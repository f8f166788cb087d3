// Decides from a control frame's raw bytes, without parsing it, that it cannot be one of the
// event types the session acts on: most events (transcript deltas, item added, speech
// stopped, …) are only ever dropped, so they need not cost a JSON.parse and its garbage.
//
// Why it is safe: in JSON text without a backslash every string is spelled out byte for byte
// between two quotes, and the quotes pair up from the start. An event whose `type` is T
// therefore holds the string token "T". A frame is skipped only when it has no backslash,
// looks like an object ({ … }) and none of its string tokens is a wanted type; anything else
// is parsed as before (a frame that is not JSON at all is still reported). What a skip loses:
// a syntax error inside an object nobody reads goes unreported (it would have been dropped).

const quote = 0x22;
const backslash = 0x5c;
const openBrace = 0x7b;
const closeBrace = 0x7d;

export class EventTypeFilter {
  /** Wanted type names as bytes, by their length: a string token is compared only with names as long. */
  private readonly byLength: ReadonlyMap<number, readonly Buffer[]>;

  constructor(types: Iterable<string>) {
    const byLength = new Map<number, Buffer[]>();
    for (const type of types) {
      const bytes = Buffer.from(type, 'utf8');
      const list = byLength.get(bytes.length);
      if (list) list.push(bytes);
      else byLength.set(bytes.length, [bytes]);
    }
    this.byLength = byLength;
  }

  /** true: the frame is certainly none of the wanted types (and is shaped like an object). */
  canSkip(frame: Uint8Array): boolean {
    let start = 0;
    let end = frame.length - 1;
    while (start <= end && isSpace(frame[start]!)) start++;
    while (end >= start && isSpace(frame[end]!)) end--;
    if (start >= end || frame[start] !== openBrace || frame[end] !== closeBrace) return false;
    const byLength = this.byLength;
    for (let i = start + 1; i < end; i++) {
      const b = frame[i]!;
      if (b === backslash) return false;
      if (b !== quote) continue;
      // A string token: up to the next quote (no escapes, checked as we go).
      let j = i + 1;
      while (j < end && frame[j] !== quote) {
        if (frame[j] === backslash) return false;
        j++;
      }
      const names = byLength.get(j - i - 1);
      if (names !== undefined) for (const name of names) if (matchesAt(frame, i + 1, name)) return false;
      i = j;
    }
    return true;
  }
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function matchesAt(frame: Uint8Array, at: number, name: Buffer): boolean {
  for (let k = 0; k < name.length; k++) if (frame[at + k] !== name[k]) return false;
  return true;
}
