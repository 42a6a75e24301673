'use strict';
/** The statement shapes and schema variants that bench/row-cost.js measures. */
const { randomBytes } = require('node:crypto');

const CONFLICT = 'ON CONFLICT (enterprise_id, replay_key, send_time_at) DO NOTHING';
const RETURNING = `RETURNING id AS "id", received_at AS "receivedAt", send_time_at AS "sendTimeAt",
  enterprise_id AS "enterpriseId", replay_key AS "replayKey"`;

/** The service's statement (SmsCallbackRepository.insertManyUnlessReplay): one VALUES tuple of parameters per row. */
function valuesStatement(rows, { table = 'sms_callbacks', conflict = CONFLICT } = {}) {
  const columns = Object.keys(rows[0]);
  const values = [];
  const tuples = rows.map((r) => {
    const first = values.length;
    values.push(...columns.map((c) => r[c]));
    return `(${columns.map((_, i) => `$${first + i + 1}`).join(', ')})`;
  });
  return {
    text: `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')} ${conflict} ${RETURNING}`,
    values,
  };
}

const ARRAY_TYPES = {
  id: 'uuid',
  license_id: 'uuid',
  send_time_at: 'timestamptz',
  response_time_telco_at: 'timestamptz',
  status: 'int',
  retry_count: 'int',
  replay_key: 'bytea',
  raw_body: 'jsonb',
};

/** One array parameter per column, `unnest`ed: the same text for every size (one parse, any number of rows). */
function unnestStatement(rows) {
  const columns = Object.keys(rows[0]);
  const arrays = columns.map((c, i) => `$${i + 1}::${ARRAY_TYPES[c] ?? 'varchar'}[]`);
  return {
    text: `INSERT INTO sms_callbacks (${columns.join(', ')}) SELECT * FROM unnest(${arrays.join(', ')}) ${CONFLICT} ${RETURNING}`,
    values: columns.map((c) => rows.map((r) => r[c])),
  };
}

/** A time-ordered UUID (RFC 9562 version 7): the milliseconds first, then random bits. */
function uuidV7() {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function indexDefinitions(client) {
  const { rows } = await client.query(
    `SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename = 'sms_callbacks' ORDER BY indexname`,
  );
  // A partitioned table's index reads `ON ONLY` (the parent alone); re-created, it must cover the partitions.
  return rows.map((index) => ({ ...index, definition: index.definition.replace(' ON ONLY ', ' ON ') }));
}

const REPLAY_INDEX = 'UQ_sms_callbacks_enterprise_replay_key_send_time';
const STATS_INDEX = 'IDX_sms_callbacks_enterprise_send_time_stats';

/** Replaces the named indexes by `created` for a variant (and back after it). */
function replacing(ctx, names, created) {
  return {
    setup: [...names.map((name) => `DROP INDEX "${name}"`), ...created.map(([, sql]) => sql)],
    teardown: [
      ...created.map(([name]) => `DROP INDEX "${name}"`),
      ...ctx.indexes.filter((index) => names.includes(index.name)).map((index) => index.definition),
    ],
  };
}

const REPLAY_BY_SEND_TIME = [
  'UQ_rowcost_replay',
  `CREATE UNIQUE INDEX "UQ_rowcost_replay" ON sms_callbacks (enterprise_id, send_time_at, replay_key)`,
];
const MERGED = [
  'UQ_rowcost_replay_stats',
  `CREATE UNIQUE INDEX "UQ_rowcost_replay_stats" ON sms_callbacks (enterprise_id, send_time_at, replay_key)
     INCLUDE (status, request_id, response_time_telco_at)`,
];
const WITHOUT_FOREIGN_KEY = {
  setup: ['ALTER TABLE sms_callbacks DROP CONSTRAINT "FK_sms_callbacks_license_id"'],
  teardown: [
    `ALTER TABLE sms_callbacks ADD CONSTRAINT "FK_sms_callbacks_license_id" FOREIGN KEY (license_id)
       REFERENCES licenses (id) ON DELETE RESTRICT ON UPDATE NO ACTION`,
  ],
};
const withOrderedId = (r) => ({ id: uuidV7(), ...r });

/** Every variant, the schema as migrated first. `key` selects it with --only. */
function VARIANTS(ctx) {
  const values = (rows) => valuesStatement(rows);
  const plain = (rows) => valuesStatement(rows, { conflict: '' });
  const column = (type, using) => ({
    setup: [`ALTER TABLE sms_callbacks ALTER COLUMN raw_body TYPE ${type} USING raw_body::${using ?? type}`],
    teardown: ['ALTER TABLE sms_callbacks ALTER COLUMN raw_body TYPE jsonb USING raw_body::jsonb'],
  });
  return [
    { key: 'migrated', name: `as migrated (7 indexes), ${ctx.batch} rows`, statement: values },
    { key: 'migrated-100', name: 'as migrated, 100 rows per statement', statement: values, batch: 100 },
    { key: 'migrated-1000', name: 'as migrated, 1000 rows per statement', statement: values, batch: 1000 },
    ...ctx.indexes.map((index) => ({
      key: `drop:${index.name}`,
      name: `- ${index.name}`,
      statement: index.name === REPLAY_INDEX ? plain : values,
      ...replacing(ctx, [index.name], []),
    })),
    { key: 'no-conflict', name: 'no ON CONFLICT (all indexes)', statement: plain },
    {
      key: 'no-fk',
      name: 'no foreign key to licenses (its per-row check)',
      statement: values,
      ...WITHOUT_FOREIGN_KEY,
    },
    {
      key: 'unnest-no-fk',
      name: 'unnest, no foreign key',
      statement: unnestStatement,
      ...WITHOUT_FOREIGN_KEY,
    },
    {
      key: 'heap-only',
      name: 'no index, no ON CONFLICT (heap only)',
      statement: plain,
      ...replacing(
        ctx,
        ctx.indexes.map((index) => index.name),
        [],
      ),
    },
    {
      key: 'partition',
      name: "into today's partition directly (no routing)",
      statement: (rows) => valuesStatement(rows, { table: ctx.partition }),
    },
    { key: 'json', name: 'raw_body json (text kept, checked)', statement: values, ...column('json') },
    { key: 'text', name: 'raw_body text', statement: values, ...column('text') },
    {
      key: 'tiny-body',
      name: "raw_body '{}' (the body's size)",
      statement: values,
      row: (r) => ({ ...r, raw_body: '{}' }),
    },
    { key: 'unnest', name: 'unnest of 14 arrays (one statement text)', statement: unnestStatement },
    { key: 'unnest-100', name: 'unnest, 100 rows per statement', statement: unnestStatement, batch: 100 },
    { key: 'unnest-1000', name: 'unnest, 1000 rows per statement', statement: unnestStatement, batch: 1000 },
    { key: 'ordered-id', name: 'id a UUIDv7 from the client', statement: values, row: withOrderedId },
    {
      key: 'replay-order',
      name: 'replay index (enterprise, send_time_at, replay_key)',
      statement: values,
      ...replacing(ctx, [REPLAY_INDEX], [REPLAY_BY_SEND_TIME]),
    },
    {
      key: 'merged',
      name: 'replay + stats indexes as one (send_time_at 2nd)',
      statement: values,
      ...replacing(ctx, [REPLAY_INDEX, STATS_INDEX], [MERGED]),
    },
    {
      key: 'proposed',
      name: 'merged + UUIDv7 ids + unnest',
      statement: unnestStatement,
      row: withOrderedId,
      ...replacing(ctx, [REPLAY_INDEX, STATS_INDEX], [MERGED]),
    },
  ];
}

module.exports = { VARIANTS, indexDefinitions, uuidV7 };
