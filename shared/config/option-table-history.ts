/**
 * The options of `orderflow replay` and `orderflow rerun`, which both read a range of the ORDERS
 * history, in the option table (option-table.ts).
 */
import { STAGES } from '../../workflows/names';
import { ordersSubject, pointInTime, rerunTag, stageBySubject, subjectOutsideOrders } from './history-kinds';
import { choice, onOff, streamSequence, text, wholeNumber } from './option-kinds';
import { option } from './option-spec';

/** Which orders of the range `rerun` runs again. */
export const RERUN_SCOPES = ['failed', 'dead-lettered', 'all'] as const;

/* The order of the entries is the order of the flags in help and of the rows in the README. */
export const HISTORY_OPTIONS = {
  /** The incident tag, part of each rerun's workflow ID; required. Default: none. */
  tag: option({
    flag: '--tag <name>',
    commands: ['rerun'],
    ...rerunTag(),
    help: 'incident tag, part of each new run ID, e.g. INC-42 (required; 1-24 of A-Z a-z 0-9 _ -)',
  }),
  /** Which orders of the range run again. Default: failed. */
  only: option({
    flag: '--only <which>',
    commands: ['rerun'],
    ...choice(RERUN_SCOPES, 'selection', `use ${RERUN_SCOPES.join(', ')}`),
    default: 'failed',
    help: `${RERUN_SCOPES.join(', ')}: which orders of the range run again`,
  }),
  /** The stage that runs again, named by its input subject. Default: ORDERS.received, the process stage. */
  rerunStage: option({
    flag: '--subject <subject>',
    commands: ['rerun'],
    ...stageBySubject(),
    default: 'process',
    help: 'the stage to rerun, by its input subject',
    defaultLabel: `${STAGES.process.inputSubject}, the process stage`,
    readme: { default: `\`${STAGES.process.inputSubject}\` (process)` },
  }),
  /** Only this subject of the stream. Default: every subject. */
  replaySubject: option({
    flag: '--subject <subject>',
    commands: ['replay'],
    ...ordersSubject(),
    help: 'only this subject, e.g. ORDERS.received',
    defaultLabel: 'every subject',
  }),
  /** Where the range starts: that long ago, or a time. Default: the beginning. */
  since: option({
    flag: '--since <duration|time>',
    commands: ['replay', 'rerun'],
    ...pointInTime(),
    help: 'start this long ago (10m, 2h, 1d) or at this ISO 8601 time',
    defaultLabel: 'the beginning',
  }),
  /** Where the range starts, by stream sequence. Default: none. */
  fromSeq: option({
    flag: '--from-seq <n>',
    commands: ['replay', 'rerun'],
    ...streamSequence(),
    unit: 'seq',
    help: 'start at this stream sequence',
  }),
  /** Where the range ends: that long ago, or a time. Default: the end, as of the start. */
  until: option({
    flag: '--until <duration|time>',
    commands: ['replay', 'rerun'],
    ...pointInTime(),
    help: 'stop after this point in time',
    defaultLabel: 'the end, as of the start',
  }),
  /** Where the range ends, by stream sequence. Default: none. */
  untilSeq: option({
    flag: '--until-seq <n>',
    commands: ['replay', 'rerun'],
    ...streamSequence(),
    unit: 'seq',
    help: 'stop after this stream sequence',
  }),
  /** Only this order's messages. Default: none. */
  order: option({
    flag: '--order <id>',
    commands: ['replay', 'rerun'],
    ...text('give an order ID'),
    help: "only this order's messages",
  }),
  /** How fast messages are replayed: at once, or with the recorded gaps between them. Default: instant. */
  pace: option({
    flag: '--pace <pace>',
    commands: ['replay'],
    ...choice(['instant', 'original'], 'pace', 'use instant or original'),
    default: 'instant',
    help: 'instant, or original: the recorded gaps between messages',
  }),
  /** A subject to re-publish each message to, instead of printing it. Default: none. */
  to: option({
    flag: '--to <subject>',
    commands: ['replay'],
    ...subjectOutsideOrders(),
    help: 're-publish each message there instead of printing it (not an ORDERS.* subject)',
  }),
  /** Functions get new idempotency keys carrying the tag, so their effects apply again. Default: none. */
  reapply: option({
    flag: '--reapply',
    commands: ['rerun'],
    ...onOff(),
    help: 'give the functions new idempotency keys carrying the tag: effects the first run applied apply again',
  }),
  /** Messages read from the range at most; a range holding more is refused. Default: 10000. */
  limit: option({
    flag: '--limit <n>',
    commands: ['rerun'],
    ...wholeNumber(1, 1_000_000),
    default: 10_000,
    unit: 'count',
    help: 'messages read from the range at most',
  }),
  /** Runs started (and runs described while planning) at once. Default: 16. */
  concurrency: option({
    flag: '--concurrency <n>',
    commands: ['rerun'],
    ...wholeNumber(1, 256),
    default: 16,
    unit: 'count',
    help: 'runs started at once',
  }),
};
