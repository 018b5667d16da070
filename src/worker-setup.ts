import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDependencies } from './activities';

/** Options of `createDeliveryWorker`. */
export interface DeliveryWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  dependencies: ActivityDependencies;
  /** A prebuilt workflow bundle; without one the worker bundles `src/workflows` itself. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

/** Creates a worker that runs every workflow and activity of the delivery platform. */
export async function createDeliveryWorker(options: DeliveryWorkerOptions): Promise<Worker> {
  const workflowSource = options.workflowBundle
    ? { workflowBundle: options.workflowBundle }
    : { workflowsPath: require.resolve('./workflows') };

  return await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.dependencies),
    ...workflowSource,
  });
}
