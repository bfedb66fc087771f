/**
 * Structured logs: one JSON object per line (the default when stderr is not a terminal, or with
 * ORDERFLOW_LOG_FORMAT=json), or one readable line per event on a terminal. Every line about an
 * order carries its orderId, stream sequence and workflow ID as fields, never only in the text.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields`. */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Lowest level written. Default: `info`. */
  level?: LogLevel;
  /** `json` or `pretty`. Default: `pretty` on a terminal, `json` otherwise. */
  format?: 'json' | 'pretty';
  /** Where lines go. Default: process.stderr. */
  write?: (line: string) => void;
}

/** Where a logger's lines go and which it writes: one for a logger and all its children. */
interface LogOutput {
  readonly level: LogLevel;
  readonly format: 'json' | 'pretty';
  readonly write: (line: string) => void;
}

/**
 * Methods on the prototype, not closures per logger: the bridge makes a child per message it
 * holds, and with thousands held the closures were a part of each one's cost.
 */
class StructuredLogger implements Logger {
  constructor(
    private readonly output: LogOutput,
    private readonly bound: LogFields,
  ) {}

  debug(msg: string, fields?: LogFields): void {
    this.emit('debug', msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.emit('info', msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.emit('warn', msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.emit('error', msg, fields);
  }

  child(fields: LogFields): Logger {
    return new StructuredLogger(this.output, { ...this.bound, ...fields });
  }

  private emit(lvl: LogLevel, msg: string, fields?: LogFields): void {
    const { level, format, write } = this.output;
    if (levelRank[lvl] < levelRank[level]) return;
    const record = { time: new Date().toISOString(), level: lvl, msg, ...this.bound, ...fields };
    write(format === 'json' ? `${safeJson(record)}\n` : `${pretty(record)}\n`);
  }
}

export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const output: LogOutput = {
    level: options.level ?? 'info',
    format: options.format ?? (process.stderr.isTTY ? 'pretty' : 'json'),
    write: options.write ?? ((line: string) => void process.stderr.write(line)),
  };
  return new StructuredLogger(output, bound);
}

/** A logger that writes nothing, for library callers and tests that do not care. */
export const silentLogger: Logger = createLogger({ write: () => undefined });

function safeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v instanceof Error ? { name: v.name, message: v.message } : typeof v === 'bigint' ? v.toString() : v,
  );
}

function pretty(record: LogFields & { time: string; level: LogLevel; msg: string }): string {
  const { time, level, msg, ...rest } = record;
  const extras = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : safeJson(v)}`)
    .join(' ');
  return `${time.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${extras ? `  ${extras}` : ''}`;
}
