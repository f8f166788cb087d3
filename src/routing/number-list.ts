// Phone-number patterns for routing and screening: `+19195551234` (exact) or
// `+1900*` (prefix). Compared on digits only, so `+1919…` matches `1919…`.

const PATTERN = /^\+?[0-9]{1,15}\*?$/;

export function isNumberPattern(text: string): boolean {
  return PATTERN.test(text);
}

const digits = (text: string) => text.replace(/^\+/, '');

export class NumberList {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];

  /** @param asPrefixes treat every entry as a prefix (`callerPrefix`). */
  constructor(patterns: readonly string[], asPrefixes = false) {
    for (const pattern of patterns) {
      if (pattern.endsWith('*')) this.prefixes.push(digits(pattern.slice(0, -1)));
      else if (asPrefixes) this.prefixes.push(digits(pattern));
      else this.exact.add(digits(pattern));
    }
  }

  matches(number: string | null): boolean {
    if (number === null) return false;
    const d = digits(number);
    return this.exact.has(d) || this.prefixes.some((p) => d.startsWith(p));
  }
}
