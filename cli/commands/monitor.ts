/** `orderflow monitor`: the pipeline live on a terminal, redrawn from the monitor's aggregator until Ctrl-C. */
import type { Command } from 'commander';

import { MonitorAggregator } from '../../operate/monitor/aggregator';
import { watchPipeline } from '../../operate/monitor/watch';
import { serversFrom } from '../options';
import { optionsFrom, tableCommand } from '../table-flags';

export function registerMonitor(program: Command): void {
  tableCommand(program, 'monitor', 'monitor')
    .description('watch the pipeline live: every ORDERS message (MONITOR), sampled ack metrics and advisories')
    .action(async (given: Record<string, unknown>, command: Command) => {
      const flags = optionsFrom('monitor', given);
      const servers = serversFrom(command, 'nats');
      const nc = await servers.connectNats({ name: 'orderflow monitor', reconnectForever: true });
      const aggregator = new MonitorAggregator();
      const live = !flags.json && process.stdout.isTTY;
      const watch = watchPipeline(nc, (event) => {
        if (flags.json || !live) process.stdout.write(`${JSON.stringify(event)}\n`);
        else aggregator.add(event);
      });
      await watch.ready;
      process.stderr.write('orderflow: monitoring monitor.ORDERS and the ack samples of NEW and DISPATCH\n');
      const timer = live
        ? setInterval(() => process.stdout.write(`\x1b[H\x1b[2J${aggregator.render()}\n`), 1000)
        : undefined;
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      clearInterval(timer);
      watch.stop();
      await nc.drain();
    });
}
