import { hash } from 'node:crypto';

/** The values that identify a delivery report, normalised: what makes two callbacks "the same". */
export interface ReplayIdentity {
  /** International digits (see `normalizeMsisdn`). */
  msisdn: string;
  requestId: string;
  sendTime: Date;
  responseTimeTelco: Date | null;
  status: number | null;
  referentId: string;
  retryCount: number;
}

/**
 * SHA-256 over the seven values, normalised: the phone number in international digits and the times as
 * instants, so that `0912345678` and `+84 912 345 678`, or one instant written two ways, are one callback.
 * Absent optional values are null. With the enterprise, the unique key of `sms_callbacks`.
 */
export function replayKeyOf(identity: ReplayIdentity): Buffer {
  const values = [
    identity.msisdn,
    identity.requestId,
    identity.sendTime.getTime(),
    identity.responseTimeTelco?.getTime() ?? null,
    identity.status,
    identity.referentId,
    identity.retryCount,
  ];
  // One-shot: no Hash object to create, update and finish for one short string.
  return hash('sha256', JSON.stringify(values), 'buffer');
}
