import cron from 'node-cron';

const DAY = 86_400;

/**
 * The longest wait between two runs of a node-cron schedule (seconds field included), in seconds:
 * the worst case a change waits for the next poll. Computed over the times of day the expression
 * fires at; undefined when it is not a valid expression or restricts days (month, day of month,
 * day of week), where the worst case depends on the calendar.
 */
export function cronWorstGapSeconds(expression: string): number | undefined {
  if (!cron.validate(expression)) return undefined;
  const fields = cron.parse(expression);
  const everyDay =
    fields.dayOfMonth.length === 31 && fields.month.length === 12 && fields.dayOfWeek.length === 7;
  if (!everyDay) return undefined;
  const times: number[] = [];
  for (const h of fields.hour)
    for (const m of fields.minute) for (const s of fields.second) times.push(h * 3600 + m * 60 + s);
  times.sort((a, b) => a - b);
  if (times.length === 0) return undefined;
  let worst = (times[0] as number) + DAY - (times.at(-1) as number);
  for (let i = 1; i < times.length; i++)
    worst = Math.max(worst, (times[i] as number) - (times[i - 1] as number));
  return worst;
}
