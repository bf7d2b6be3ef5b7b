import { SOURCE_SYSTEM_DISPLAY, SOURCE_SYSTEMS } from '../../fhir/identity.ts';
import { ACTION_STATUSES } from './action-definition.ts';
import type { ResolvedAction } from './resolve-actions.ts';

export const COVERAGE_HEADER =
  '<!-- Generated from the action catalog (src/actions/catalog) by `npm run coverage:print`. Do not edit: a test fails when this file is stale. -->\n';

const cell = (text: string | undefined) => (text ?? '').replaceAll('|', '\\|');

/** docs/coverage.md: counts by source and status, then every seed action with its field and status. */
export function renderCoverage(actions: readonly ResolvedAction[]): string {
  const lines: string[] = [COVERAGE_HEADER, '# Action coverage', ''];
  lines.push(
    `Every seed action of the market's connectors (${actions.length} in all) and where it lives in the`,
    'GraphQL API: its field, kind and status as built. `available` and `alternative` are checked against',
    'the built schema, the connector catalogs and the mappings, so a status never claims a part that is',
    'not there. The `actions(source, status, kind)` query answers the same list.',
    '',
    `| source | ${ACTION_STATUSES.join(' | ')} | total |`,
    `|---|${ACTION_STATUSES.map(() => '---:|').join('')}---:|`,
  );
  const count = (source: string | undefined, status: string | undefined) =>
    actions.filter((a) => (!source || a.source === source) && (!status || a.status === status)).length;
  for (const source of SOURCE_SYSTEMS)
    lines.push(
      `| ${SOURCE_SYSTEM_DISPLAY[source]} | ${ACTION_STATUSES.map((s) => count(source, s)).join(' | ')} | ${count(source, undefined)} |`,
    );
  lines.push(
    `| all | ${ACTION_STATUSES.map((s) => count(undefined, s)).join(' | ')} | ${actions.length} |`,
    '',
  );
  for (const source of SOURCE_SYSTEMS) {
    lines.push(
      `## ${SOURCE_SYSTEM_DISPLAY[source]}`,
      '',
      '| action | seed name | kind | field | status | reason |',
      '|---|---|---|---|---|---|',
    );
    for (const a of actions.filter((x) => x.source === source))
      lines.push(
        `| \`${a.id}\` | ${cell(a.seedName)} | ${a.kind} | ${a.field ? `\`${a.field}\`` : ''} | ${a.status} | ${cell(a.reason)} |`,
      );
    lines.push('');
  }
  return lines.join('\n');
}
