/**
 * The health server's options, which bridge and worker both take. They stay out of the option
 * table because each command has its own default port and they configure the server, not the
 * BridgeOptions / WorkerOptions; they are defined the same way (option-table.ts) and read the same.
 */
import { z } from 'zod';

import type { OptionKind } from './option-kinds';
import type { OptionSpec } from './option-table';

/** A TCP port, 0 for any free one, or `off` (read as undefined: no server). */
function portOrOff(): OptionKind<number | undefined> {
  return {
    schema: z
      .string()
      .refine((raw) => raw === 'off' || (/^\d+$/.test(raw.trim()) && Number(raw) <= 65_535), {
        error: (issue) => `"${String(issue.input)}" is not a whole number from 0 to 65535`,
      })
      .transform((raw) => (raw === 'off' ? undefined : Number(raw))),
    advice: 'give a number in that range',
  };
}

export interface HealthOptions {
  readonly metricsPort: OptionSpec<number | undefined> & { readonly default: number };
  readonly metricsHost: OptionSpec<string> & { readonly default: string };
}

/** The health options of a command whose server listens on `defaultPort` unless told otherwise. */
export function healthOptions(defaultPort: number): HealthOptions {
  return {
    metricsPort: {
      flag: '--metrics-port <port|off>',
      env: 'ORDERFLOW_METRICS_PORT',
      commands: ['bridge', 'worker'],
      ...portOrOff(),
      default: defaultPort,
      help: '/metrics, /healthz, /readyz port, 0 for any',
    },
    metricsHost: {
      flag: '--metrics-host <host>',
      env: 'ORDERFLOW_METRICS_HOST',
      commands: ['bridge', 'worker'],
      schema: z.string(),
      advice: 'give a host name or address',
      default: '127.0.0.1',
      help: 'address they bind to',
    },
  };
}
