import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { isMetricsResponse, METRICS_REQUEST, type MetricsResponse } from '../cluster/cluster-messages';

/** How long a worker waits for the primary's aggregated metrics (within REQUEST_TIMEOUT_MS's default 4.5 s). */
const TIMEOUT_MS = 4_000;

/**
 * In a worker of the multi-process mode: the metrics of every worker, summed by the primary (histograms and
 * counters added, gauges summed or as prom-client's default metrics say). This worker's part comes from
 * `registries`, which prom-client's AggregatorRegistry sends the primary when it asks.
 */
export class ClusterMetrics {
  private nextId = 0;
  private readonly waiting = new Map<number, (answer: MetricsResponse) => void>();

  private constructor(registries: Registry[]) {
    AggregatorRegistry.setRegistries(registries);
    // Constructing one installs prom-client's listener that answers the primary's requests in a worker.
    new AggregatorRegistry();
    process.on('message', (message: unknown) => {
      if (isMetricsResponse(message)) {
        this.waiting.get(message.id)?.(message);
      }
    });
  }

  /** The cluster's metrics, when this process is a worker; null otherwise (one process: its own). */
  static ifWorker(registries: () => Registry[]): ClusterMetrics | null {
    return cluster.isWorker && process.send ? new ClusterMetrics(registries()) : null;
  }

  exposition(): Promise<{ contentType: string; body: string }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`The primary did not answer with the workers' metrics within ${TIMEOUT_MS} ms`));
      }, TIMEOUT_MS);
      this.waiting.set(id, (answer) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (answer.error !== undefined) {
          reject(new Error(`The workers' metrics could not be aggregated: ${answer.error}`));
        } else {
          resolve({ contentType: answer.contentType, body: answer.body });
        }
      });
      process.send!({ type: METRICS_REQUEST, id });
    });
  }
}
