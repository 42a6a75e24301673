/** What a worker asks its primary for: the metrics of every worker, aggregated. */
export const METRICS_REQUEST = 'sms-callback:cluster-metrics-request';
/** The primary's answer. */
export const METRICS_RESPONSE = 'sms-callback:cluster-metrics-response';

export interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}

export type MetricsResponse =
  | { type: typeof METRICS_RESPONSE; id: number; contentType: string; body: string; error?: undefined }
  | { type: typeof METRICS_RESPONSE; id: number; error: string };

export function isMetricsRequest(message: unknown): message is MetricsRequest {
  return (message as { type?: unknown } | null)?.type === METRICS_REQUEST;
}

export function isMetricsResponse(message: unknown): message is MetricsResponse {
  return (message as { type?: unknown } | null)?.type === METRICS_RESPONSE;
}
