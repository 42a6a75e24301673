/**
 * The partitions of `sms_callbacks`: one per UTC day of the parsed `sendTime` (`send_time_at`), named
 * `sms_callbacks_pYYYYMMDD`, and `sms_callbacks_default` for every row no daily partition takes (a vendor clock
 * far off, a day without a partition yet, rows stored before sendTime was parsed: NULL). Pure day arithmetic,
 * shared by the migration that partitions the table and the maintenance job that keeps it.
 */
export const CALLBACKS_TABLE = 'sms_callbacks';
export const DEFAULT_PARTITION = 'sms_callbacks_default';
/** Daily partitions are created this many days ahead of today (UTC), so a vendor clock a little fast finds one. */
export const PARTITION_DAYS_AHEAD = 7;
/**
 * ... and back to yesterday, for a fresh database (a partition is otherwise made a week before its day and kept
 * until it expires). Older days without one send their late callbacks to the default partition.
 */
export const PARTITION_DAYS_BEHIND = 1;

const DAY_MS = 86_400_000;

/** Midnight UTC of the day `at` falls in. */
export function utcDay(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

export function addDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * DAY_MS);
}

/** `sms_callbacks_p20261201` for 2026-12-01. */
export function partitionName(day: Date): string {
  return `${CALLBACKS_TABLE}_p${day.toISOString().slice(0, 10).replace(/-/g, '')}`;
}

/** A bound as PostgreSQL writes it with TimeZone UTC: `'2026-12-01 00:00:00+00'`. */
export function boundLiteral(day: Date): string {
  return `'${day.toISOString().slice(0, 10)} 00:00:00+00'`;
}

/** `FOR VALUES FROM (...) TO (...)` of the partition of `day`. */
export function dayBounds(day: Date): string {
  return `FOR VALUES FROM (${boundLiteral(day)}) TO (${boundLiteral(addDays(day, 1))})`;
}

/** A partition as the catalog describes it; `from`/`to` null for the default partition. */
export interface PartitionInfo {
  name: string;
  from: Date | null;
  to: Date | null;
}

/** Reads `pg_get_expr(relpartbound)` (with TimeZone UTC): `FOR VALUES FROM ('...') TO ('...')` or `DEFAULT`. */
export function parseBounds(name: string, expression: string): PartitionInfo {
  if (expression.trim() === 'DEFAULT') {
    return { name, from: null, to: null };
  }
  const match = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(expression);
  if (!match) {
    throw new Error(`Partition ${name} has bounds this service does not manage: ${expression}`);
  }
  const instant = (text: string) => new Date(text.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  return { name, from: instant(match[1]), to: instant(match[2]) };
}

export interface MaintenancePlan {
  /** Days (midnight UTC) that need a partition. */
  create: Date[];
  /** Daily partitions whose every row was sent before the retention cut-off. */
  drop: PartitionInfo[];
  /** Rows of the default partition received before this are expired; null: keep forever. */
  strayCutoff: Date | null;
}

/**
 * What a maintenance run does at `now`: a partition for each day from today - {@link PARTITION_DAYS_BEHIND} to
 * today + {@link PARTITION_DAYS_AHEAD} that none covers yet (and that has not expired); and with retention N > 0,
 * drop each daily partition that ends at or before midnight UTC N days ago (so a callback is kept at least N days
 * after its sendTime, and dropped within a day after that), and delete the default partition's rows received
 * before that midnight.
 */
export function planMaintenance(now: Date, retentionDays: number, partitions: PartitionInfo[]): MaintenancePlan {
  const today = utcDay(now);
  const daily = partitions.filter((p) => p.from !== null && p.to !== null);
  const covered = (day: Date) => daily.some((p) => p.from!.getTime() < addDays(day, 1).getTime() && p.to! > day);
  const cutoff = retentionDays > 0 ? addDays(today, -retentionDays) : null;
  let first = addDays(today, -PARTITION_DAYS_BEHIND);
  if (cutoff && first < cutoff) {
    first = cutoff;
  }
  const create: Date[] = [];
  for (let day = first; day <= addDays(today, PARTITION_DAYS_AHEAD); day = addDays(day, 1)) {
    if (!covered(day)) {
      create.push(day);
    }
  }
  if (!cutoff) {
    return { create, drop: [], strayCutoff: null };
  }
  return { create, drop: daily.filter((p) => p.to!.getTime() <= cutoff.getTime()), strayCutoff: cutoff };
}
