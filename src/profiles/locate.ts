// Line and column of a path in the YAML document, for messages people can act on.
import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { Problem } from './problem.ts';

function offsetOf(doc: Document, lineCounter: LineCounter, path: Problem['path']): { line: number; col: number } | null {
  let node: unknown = doc.contents;
  let offset: number | null = (node as Node | null)?.range?.[0] ?? null;
  for (const key of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(key));
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === null ? null : lineCounter.linePos(offset);
}

export function locate(problems: Problem[], doc: Document, lineCounter: LineCounter): Problem[] {
  return problems.map((p) => {
    if (p.line !== undefined) return p;
    const pos = offsetOf(doc, lineCounter, p.path);
    return pos ? { ...p, line: pos.line, column: pos.col } : p;
  });
}
