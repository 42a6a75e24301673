export const CALLBACK_RETENTION_OPTIONS = Symbol('CALLBACK_RETENTION_OPTIONS');

export interface CallbackRetentionOptions {
  /** Days a callback is kept after its sendTime (whole UTC days); 0: forever. */
  retentionDays: number;
  /** Minutes between two maintenance runs of the scheduler; 0: none (run `npm run callbacks -- maintain`). */
  intervalMinutes: number;
  /** The statistics rollup leaves out callbacks received this recently (default 5 minutes; tests: 0). */
  rollupSettleMs?: number;
}
