/** One thing wrong with the mapping set, located in a file. */
export type LoadProblem = {
  /** Path relative to the mappings directory, e.g. `jane/patient.yaml`. */
  readonly file: string;
  readonly line: number | undefined;
  /** The field or template position, e.g. `template.gender` or `group[0].unmapped.mode`. */
  readonly field: string;
  readonly message: string;
};

export function formatProblem(problem: LoadProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  return `${where}: ${problem.field || '(file)'}: ${problem.message}`;
}

/** Every problem of a mapping set at once, so one run of the loader shows all that needs fixing. */
export class MappingLoadError extends Error {
  override name = 'MappingLoadError';
  readonly problems: readonly LoadProblem[];
  constructor(problems: readonly LoadProblem[]) {
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the mapping set:\n${problems.map(formatProblem).join('\n')}`,
    );
    this.problems = problems;
  }
}

/** `template.name[0].given` from a document path. */
export function fieldName(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (out, step) => (typeof step === 'number' ? `${out}[${step}]` : out === '' ? step : `${out}.${step}`),
    '',
  );
}
