/**
 * The cluster harness's own logic, without servers: each node's config routes to the others
 * only, a stream counts as whole only with a leader and every replica current and online, and
 * the completion sampler's rates and gaps read the samples right.
 */
import type { JetStreamManager, StreamInfo } from '@nats-io/jetstream';

import { nodeConfig } from '../cluster/nats-cluster';
import { CompletionSampler } from '../cluster/progress';
import { isWhole, placementOf } from '../cluster/stream-health';

describe('cluster harness - node config', () => {
  const nodes = [1, 2, 3].map((i) => ({
    name: `n${i}`,
    clientPort: 4000 + i,
    clusterPort: 6000 + i,
    dir: `/data/n${i}`,
  }));

  it('cluster harness - each node names itself, listens on its ports and routes to the other two only', () => {
    const config = nodeConfig(nodes[1]!, nodes, 'orderflow');
    expect(config).toContain('server_name: n2');
    expect(config).toContain('listen: "127.0.0.1:4002"');
    expect(config).toContain('listen: "127.0.0.1:6002"');
    expect(config).toContain('store_dir: "/data/n2/store"');
    expect(config.match(/nats-route:\/\/127\.0\.0\.1:\d+/g)).toEqual([
      'nats-route://127.0.0.1:6001',
      'nats-route://127.0.0.1:6003',
    ]);
  });
});

describe('cluster harness - stream placement', () => {
  const info = (leader: string | undefined, replicas: Array<[string, boolean, boolean]>): StreamInfo =>
    ({
      config: { num_replicas: 3 },
      cluster: {
        ...(leader ? { leader } : {}),
        replicas: replicas.map(([name, current, offline]) => ({ name, current, offline, active: 0, lag: 0 })),
      },
    }) as unknown as StreamInfo;

  const follower = (name: string, current = true, offline = false): [string, boolean, boolean] => [
    name,
    current,
    offline,
  ];
  it.each([
    ['a leader and two current followers', true, info('n1', [follower('n2'), follower('n3')])],
    ['no leader (an election)', false, info(undefined, [follower('n2'), follower('n3')])],
    ['a follower behind', false, info('n1', [follower('n2'), follower('n3', false)])],
    ['a follower offline', false, info('n1', [follower('n2'), follower('n3', true, true)])],
    ['a follower missing', false, info('n1', [follower('n2')])],
  ])('cluster harness - %s: whole is %s', (_what, whole, stream) => {
    expect(isWhole(placementOf(stream))).toBe(whole);
  });
});

describe('cluster harness - completion samples', () => {
  const sampler = new CompletionSampler({} as JetStreamManager, 0);
  sampler.samples.push(
    { atMs: 1000, completed: 0 },
    { atMs: 2000, completed: 3 },
    { atMs: 3000, completed: 3 },
    { atMs: 4000, completed: 3 },
    { atMs: 5000, completed: 3 },
    { atMs: 6000, completed: 9 },
    { atMs: 7000, completed: 12 },
  );

  it('cluster harness - counts by a time, the first completion, when completions resumed, the longest gap', () => {
    expect(sampler.completedBy(4500)).toBe(3);
    expect(sampler.firstCompletion()).toBe(2000);
    expect(sampler.resumedAfter(2500)).toBe(6000);
    expect(sampler.resumedAfter(7000)).toBeUndefined();
    expect(sampler.longestGap(2000, 7000)).toEqual({ fromMs: 2000, ms: 4000 });
  });
});
