import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** One field a touch changes, as data (data/tick-changes.json). No randomness: ticks stay reproducible. */
const editSchema = z.union([
  z.object({ field: z.string(), cycle: z.array(z.union([z.string(), z.number()])).min(2) }),
  z.object({ field: z.string(), add: z.number() }),
  z.object({ field: z.string(), revise: z.literal(true) }),
]);
const tickChangesSchema = z.object({
  $comment: z.string().optional(),
  edits: z.record(z.string(), z.array(editSchema)),
  appendOnly: z.array(z.string()),
  /** Resources DrChrono archives rather than deletes, and the flag it sets (`change=archive` ticks). */
  archive: z.record(z.string(), z.string()).default({}),
});
export type TickEdit = z.infer<typeof editSchema>;
export type TickChanges = z.infer<typeof tickChangesSchema>;

export function loadTickChanges(): TickChanges {
  const path = new URL('./data/tick-changes.json', import.meta.url);
  return tickChangesSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
}

/** The record with `edits` applied. */
export function applyEdits(
  record: Record<string, unknown>,
  edits: readonly TickEdit[] | undefined,
): Record<string, unknown> {
  if (!edits) return record;
  const out = { ...record };
  for (const edit of edits) {
    const current = out[edit.field];
    if ('cycle' in edit) {
      const at = edit.cycle.indexOf(current as string | number);
      out[edit.field] = edit.cycle[(at + 1) % edit.cycle.length];
    } else if ('add' in edit) {
      const amount = Number(current ?? 0) + edit.add;
      const rounded = Math.round(amount * 100) / 100;
      // DrChrono gives some decimals as strings: keep the field's own type.
      out[edit.field] = typeof current === 'string' ? rounded.toFixed(2) : rounded;
    } else {
      const text = String(current ?? '');
      const match = / \(rev (\d+)\)$/.exec(text);
      const base = match ? text.slice(0, match.index) : text;
      out[edit.field] = `${base} (rev ${match ? Number(match[1]) + 1 : 2})`;
    }
  }
  return out;
}
