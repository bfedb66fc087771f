/** What a bridge did, counted per stage (exposed on /metrics and in logs). */
export interface BridgeCounters {
  received: number;
  acked: number;
  naked: number;
  terminated: number;
}

export function newCounters(): BridgeCounters {
  return { received: 0, acked: 0, naked: 0, terminated: 0 };
}
