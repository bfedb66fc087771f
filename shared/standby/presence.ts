/**
 * Who is the active bridge? The server knows only the pin id (consumer info), so each standby
 * bridge answers on `orderflow.bridges.<consumer>` (workflows/names) with who it is and the pin it
 * holds (bridge/standby/presence.ts); `orderflow status` asks and matches the pin id
 * (operate/status/standby-bridges.ts). The replies are plain NATS request/reply, outside the
 * stream: nothing is stored. This is their format, which both sides share.
 */

/** Who a bridge process is. */
export interface BridgeIdentity {
  /** A name for people: by default `<host>:<pid>`. */
  readonly name: string;
  readonly host: string;
  readonly pid: number;
}

/** What a standby bridge answers, per stage consumer. */
export interface BridgePresence extends BridgeIdentity {
  readonly stage: string;
  readonly consumer: string;
  /** The pin id this bridge holds; '' as a standby. */
  readonly pinId: string;
  /** When its current role began (ISO 8601). */
  readonly since: string;
}
