/**
 * What `orderflow rerun` prints: the plan before anything starts (how many run, how many this tag
 * already reran, how many are skipped and why, the first ones listed), the progress of the starts
 * (a bar on a terminal, a line per tenth otherwise) and the summary. Pure text from plain data.
 */
import { STAGES } from '../../workflows/names';
import { table } from '../format';
import type { RerunOptions } from './options';
import type { RerunPlan, SelectedRerun } from './select';
import type { StartSummary } from './start';

/** Messages listed in the plan at most; the rest are counted. */
const LISTED_AT_MOST = 20;

function rangeText(options: RerunOptions): string {
  const { range } = options;
  const from = range.fromSeq ? `seq ${range.fromSeq}` : range.since ? range.since.toISOString() : 'the beginning';
  const until = range.untilSeq ? `seq ${range.untilSeq}` : range.until ? range.until.toISOString() : 'the end';
  return `${range.subject} from ${from} to ${until}${range.orderId ? `, order ${range.orderId}` : ''}`;
}

/** `1 message`, `2 messages`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function formatPlan(plan: RerunPlan, options: RerunOptions): string {
  const effects = options.reapply
    ? `effects applied again (idempotency keys carry ${plan.tag})`
    : 'effects already applied are not applied again';
  const skippedCount = Object.values(plan.skipped).reduce((a, b) => a + b, 0);
  const why = Object.entries(plan.skipped)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, n]) => `${n} ${reason}`);
  if (plan.poison.length) why.push(`${plan.poison.length} poison`);
  const lines = [
    `rerun ${plan.tag}: stage ${plan.stage} (${STAGES[plan.stage].workflowType}), ${rangeText(options)}, only ${options.only}; ${effects}`,
    `read ${plural(plan.read, 'message')}: ${plan.toRun.length} to run, ${plan.alreadyRerun.length} already rerun as ${plan.tag}, ` +
      `${skippedCount + plan.poison.length} skipped${why.length ? ` (${why.join(', ')})` : ''}`,
  ];
  const listed: SelectedRerun[] = [...plan.toRun, ...plan.alreadyRerun].slice(0, LISTED_AT_MOST);
  if (listed.length) {
    const rows = [['SEQ', 'ORDER', 'STAGE', 'WHY']];
    for (const s of listed) {
      const why = s.alreadyRerun ? `${s.why}; already rerun: ${s.alreadyRerun}` : s.why;
      rows.push([String(s.message.seq), s.message.orderId, plan.stage, why]);
    }
    lines.push('', table(rows));
    const rest = plan.toRun.length + plan.alreadyRerun.length - listed.length;
    if (rest > 0) lines.push(`... and ${rest} more`);
  }
  return lines.join('\n');
}

/** The outcome of the starts; `alreadyBefore`: those the plan found already rerun, never started. */
export function formatSummary(summary: StartSummary, tag: string, alreadyBefore: number): string {
  const already = alreadyBefore + summary.alreadyRerun.length;
  const lines = [
    `started ${summary.started.length}, already rerun ${already}, failed to start ${summary.failed.length}`,
  ];
  for (const f of summary.failed.slice(0, LISTED_AT_MOST)) lines.push(`  ${f.workflowId}: ${f.error}`);
  if (summary.started.length)
    lines.push(`runs are named <stage>-<order>@rerun-${tag}; \`orderflow status <order>\` shows each`);
  return lines.join('\n');
}

/** `[########............]  8/20 started`, 30 characters of bar. */
export function progressBar(done: number, total: number, width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} started`;
}

/**
 * Reports progress to `write`: on a terminal a bar redrawn in place; otherwise a line at each
 * tenth (and the last), so a log holds a handful of lines, not one per run.
 */
export function progressReporter(total: number, tty: boolean, write: (text: string) => void): (done: number) => void {
  let lastTenth = 0;
  return (done) => {
    if (tty) {
      write(`\r${progressBar(done, total)}${done === total ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor((done * 10) / Math.max(total, 1));
    if (tenth > lastTenth || done === total) {
      lastTenth = tenth;
      write(`started ${done}/${total}\n`);
    }
  };
}
