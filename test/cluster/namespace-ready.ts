/**
 * A namespace on a fresh Temporal server: registered when missing, and usable, which a
 * described namespace alone does not prove (the history shards may not be owned yet after a
 * start): a throwaway run is started and deleted, so nothing of it stays in visibility.
 */
import { randomUUID } from 'node:crypto';

import { Client, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';

import { openConnection } from '../../shared/temporal/connect';
import { GRPC_STATUS } from '../../shared/temporal/faults';

/** The run that proves the namespace takes work: never picked up by any worker. */
const PROBE = { workflowType: 'orderflow-cluster-probe', taskQueue: 'orderflow-cluster-probe' } as const;

/** How long closed runs are kept: a test run's whole life and more. */
const RETENTION = '1 day';

/** How long one attempt's calls may take, in milliseconds, before the next attempt. */
const CALL_DEADLINE_MS = 5000;

/**
 * One attempt: registers the namespace unless it exists, then starts and deletes a run. Throws
 * when the namespace is not usable yet (the caller retries).
 */
export async function ensureNamespaceUsable(address: string, namespace: string): Promise<void> {
  const connection = await openConnection({ address, connectTimeout: 1000 });
  try {
    await connection.withDeadline(Date.now() + CALL_DEADLINE_MS, async () => {
      await connection.workflowService
        .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(RETENTION) })
        .catch((err: unknown) => {
          if (!(isGrpcServiceError(err) && Number(err.code) === GRPC_STATUS.ALREADY_EXISTS)) throw err;
        });
      await connection.workflowService.describeNamespace({ namespace });
      const client = new Client({ connection, namespace });
      const workflowId = `${PROBE.workflowType}-${randomUUID()}`;
      await client.workflow.start(PROBE.workflowType, { taskQueue: PROBE.taskQueue, workflowId });
      await connection.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId } });
    });
  } finally {
    await connection.close();
  }
}
