/**
 * The pipeline's names, defined once: NATS objects, stages and workflow IDs, message IDs, keys of
 * the effects bucket, idempotency keys and the runs' search attributes. Plain data and string
 * functions, safe in workflows.
 */
export * from './topology';
export * from './stages';
export * from './message-ids';
export * from './keys';
export * from './search-attributes';
export * from './standby';
