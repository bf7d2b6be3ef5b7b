import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { DocPath } from './compile-template.ts';

/** A parsed YAML file that can say on which line any part of it sits. */
export type PositionedDocument = {
  readonly value: unknown;
  /** Syntax errors, with their line. */
  readonly errors: ReadonlyArray<{ line: number; message: string }>;
  /** The line of the value at `path` (or of its nearest existing ancestor); with `key`, the line of that key. */
  lineOf(path: DocPath, key?: string): number;
};

export function parsePositionedYaml(text: string): PositionedDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? 1 : lineCounter.linePos(offset).line;
  const errors = doc.errors.map((error) => ({
    line: error.linePos?.[0]?.line ?? lineAt(error.pos[0]),
    message: error.message.split('\n')[0] ?? error.code,
  }));
  return {
    value: errors.length > 0 ? undefined : doc.toJS(),
    errors,
    lineOf(path, key) {
      let node: unknown = doc.contents;
      let line = lineAt((node as Node | null)?.range?.[0]);
      const steps = key === undefined ? path : [...path, key];
      for (const [index, step] of steps.entries()) {
        if (isMap(node)) {
          const pair = node.items.find((item) => isScalar(item.key) && item.key.value === step);
          if (!pair) break;
          const isLast = index === steps.length - 1;
          // A key that is asked for by name points at the key itself, else at its value.
          const target = isLast && key !== undefined ? pair.key : (pair.value ?? pair.key);
          node = pair.value;
          const offset = (target as Node | null)?.range?.[0];
          if (offset !== undefined) line = lineAt(offset);
        } else if (isSeq(node) && typeof step === 'number') {
          node = node.items[step];
          const offset = (node as Node | null)?.range?.[0];
          if (offset === undefined) break;
          line = lineAt(offset);
        } else break;
      }
      return line;
    },
  };
}
