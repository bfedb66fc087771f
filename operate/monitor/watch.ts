/** Subscribes to everything the monitor shows and hands each decoded event to `onEvent`. */
import type { NatsConnection, Subscription } from '@nats-io/nats-core';

import { MONITOR_SUBJECT } from '../../workflows/names';
import type { MonitorEvent } from '../../shared/observability/monitor-events';
import {
  ACK_METRICS_SUBJECT,
  MAX_DELIVERIES_SUBJECT,
  TERMINATED_SUBJECT,
  messageEvent,
  systemEvent,
} from '../../shared/observability/monitor-events';

export interface MonitorWatch {
  /** Resolves once the server has every subscription. */
  readonly ready: Promise<void>;
  stop(): void;
}

export function watchPipeline(nc: NatsConnection, onEvent: (event: MonitorEvent) => void): MonitorWatch {
  const subs: Subscription[] = [
    // Several monitors may run: each subscribes to the push consumer's subject (pub/sub).
    nc.subscribe(MONITOR_SUBJECT, {
      callback: (err, msg) => {
        if (!err) onEvent(messageEvent(msg.subject, msg.reply, msg.data));
      },
    }),
    ...[ACK_METRICS_SUBJECT, MAX_DELIVERIES_SUBJECT, TERMINATED_SUBJECT].map((subject) =>
      nc.subscribe(subject, {
        callback: (err, msg) => {
          const event = err ? undefined : systemEvent(msg.subject, msg.data);
          if (event) onEvent(event);
        },
      }),
    ),
  ];
  return { ready: nc.flush(), stop: () => subs.forEach((s) => s.unsubscribe()) };
}
