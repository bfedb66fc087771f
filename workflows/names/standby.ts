/**
 * The names of warm standby (`orderflow bridge --standby`): the priority group the bridges pull
 * in and the subject on which each standby bridge says who it is. Plain data, safe in workflows.
 */

/**
 * The priority group of NEW and DISPATCH when provisioned with `--standby`: every standby bridge
 * pulls in it, and the server pins one of them (nats-server 2.11+). At most 16 characters of
 * `[a-zA-Z0-9/_=-]`, as the server requires.
 */
export const STANDBY_GROUP = 'orderflow';

/** Where the standby bridges of `consumer` answer who they are (outside ORDERS.*, so never stored). */
export function bridgePresenceSubject(consumer: string): string {
  return `orderflow.bridges.${consumer}`;
}
