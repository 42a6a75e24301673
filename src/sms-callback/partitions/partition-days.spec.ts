import { addDays, dayBounds, parseBounds, partitionName, planMaintenance, type PartitionInfo } from './partition-days';

const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
const daily = (iso: string): PartitionInfo => ({
  name: partitionName(day(iso)),
  from: day(iso),
  to: addDays(day(iso), 1),
});
const names = (days: Date[]) => days.map((d) => d.toISOString().slice(0, 10));

describe('partition days', () => {
  it('should name and bound a day’s partition in UTC', () => {
    expect(partitionName(day('2026-12-01'))).toBe('sms_callbacks_p20261201');
    expect(dayBounds(day('2026-12-31'))).toBe(
      "FOR VALUES FROM ('2026-12-31 00:00:00+00') TO ('2027-01-01 00:00:00+00')",
    );
  });

  it('should read back the bounds PostgreSQL writes, and the default partition', () => {
    expect(parseBounds('p', "FOR VALUES FROM ('2026-12-01 00:00:00+00') TO ('2026-12-02 00:00:00+00')")).toEqual({
      name: 'p',
      from: day('2026-12-01'),
      to: day('2026-12-02'),
    });
    expect(parseBounds('d', 'DEFAULT')).toEqual({ name: 'd', from: null, to: null });
    expect(() => parseBounds('x', 'FOR VALUES IN (1)')).toThrow(/does not manage/);
  });

  it('should plan yesterday, today and the week ahead on an empty table', () => {
    const plan = planMaintenance(new Date('2026-12-01T15:00:00Z'), 90, []);
    expect(names(plan.create)).toEqual([
      '2026-11-30',
      '2026-12-01',
      '2026-12-02',
      '2026-12-03',
      '2026-12-04',
      '2026-12-05',
      '2026-12-06',
      '2026-12-07',
      '2026-12-08',
    ]);
    expect(plan.drop).toEqual([]);
    expect(plan.strayCutoff).toEqual(day('2026-09-02'));
  });

  it('should drop exactly the days that ended at or before midnight UTC retention days ago', () => {
    const partitions = ['2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01'].map(daily);
    const plan = planMaintenance(new Date('2026-12-01T00:00:01Z'), 2, partitions);
    expect(plan.drop.map((p) => p.name)).toEqual(['sms_callbacks_p20261128']);
    // Yesterday is kept (within retention) and not asked for again; the expired days are never re-created.
    expect(names(plan.create)).not.toContain('2026-11-28');
    expect(names(plan.create)[0]).toBe('2026-12-02');
  });

  it('should neither drop nor expire anything with retention 0', () => {
    const none = planMaintenance(new Date('2026-12-01T12:00:00Z'), 0, []);
    expect(none).toMatchObject({ drop: [], strayCutoff: null });
    expect(none.create).toHaveLength(9);
  });
});
