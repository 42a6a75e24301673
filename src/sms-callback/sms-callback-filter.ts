/** Conditions of the read API and the statistics; all optional, all ANDed. */
export interface SmsCallbackFilter {
  /** Normalised (international digits). */
  msisdn?: string;
  requestId?: string;
  referentId?: string;
  status?: number;
  /** On `received_at`: from inclusive, to exclusive. */
  from?: Date;
  to?: Date;
  /** On the parsed `sendTime`: from inclusive, to exclusive. */
  sentFrom?: Date;
  sentTo?: Date;
}
