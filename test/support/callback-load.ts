import { Agent, request as httpRequest } from 'node:http';
import type { DataSource } from 'typeorm';
import { aCallback, CallbackBody, CALLBACK_PATH } from './factories';

/** What happened to one callback sent. */
export interface Outcome {
  body: CallbackBody;
  /** The key it was sent with (which says its enterprise). */
  apiKey?: string;
  /** The HTTP status, or undefined when no answer came (connection refused or cut, timeout). */
  status?: number;
  /** Why no answer came. */
  error?: string;
  retryAfter?: string;
  /** The envelope's `code`, when the body was one. */
  code?: number;
  startedAt: number;
  latencyMs: number;
}

/** Sends one callback with a keep-alive agent; resolves with the outcome, never rejects. */
export function sendCallback(
  agent: Agent,
  baseUrl: string,
  apiKey: string,
  body: CallbackBody,
  timeoutMs: number,
): Promise<Outcome> {
  const startedAt = Date.now();
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    let settled = false;
    const done = (outcome: Omit<Outcome, 'body' | 'startedAt' | 'latencyMs'>) => {
      if (!settled) {
        settled = true;
        resolve({ body, apiKey, startedAt, latencyMs: Date.now() - startedAt, ...outcome });
      }
    };
    const req = httpRequest(
      `${baseUrl}${CALLBACK_PATH}`,
      {
        method: 'POST',
        agent,
        timeout: timeoutMs,
        headers: { 'API-KEY': apiKey, 'Content-Type': 'application/json', 'Content-Length': payload.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (err) => done({ error: err.message }));
        res.on('end', () => {
          let code: number | undefined;
          try {
            code = (JSON.parse(Buffer.concat(chunks).toString()) as { code?: number }).code;
          } catch {
            code = undefined;
          }
          done({ status: res.statusCode, code, retryAfter: res.headers['retry-after'] });
        });
      },
    );
    req.on('timeout', () => {
      req.destroy();
      done({ error: `no answer within ${timeoutMs} ms` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    req.end(payload);
  });
}

export interface LoadOptions {
  baseUrl: string;
  /** One client per key: each sends distinct callbacks one after the other. */
  apiKeys: string[];
  /** Keeps going while this returns true. */
  running: () => boolean;
  /** Most callbacks to send in all. */
  maxCallbacks: number;
  /** A request with no answer after this is a hang. */
  requestTimeoutMs: number;
  /** After an answer that is not 2xx (or no answer), wait this long before the next, as a vendor would. */
  backoffMs?: number;
}

/** Drives the callback endpoint with several concurrent clients, each sending distinct callbacks. */
export async function runLoad(options: LoadOptions): Promise<Outcome[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.apiKeys.length });
  const outcomes: Outcome[] = [];
  const clients = options.apiKeys.map(async (apiKey) => {
    while (options.running() && outcomes.length < options.maxCallbacks) {
      const outcome = await sendCallback(agent, options.baseUrl, apiKey, aCallback(), options.requestTimeoutMs);
      outcomes.push(outcome);
      if (!(outcome.status && outcome.status < 300)) {
        await new Promise((resolve) => setTimeout(resolve, options.backoffMs ?? 0));
      }
    }
  });
  await Promise.all(clients);
  agent.destroy();
  return outcomes;
}

/** How many rows each sent callback has in the table, by referentId (every callback has its own). */
export async function storedCounts(dataSource: DataSource, enterpriseIds: string[]): Promise<Map<string, number>> {
  const rows = await dataSource.query<Array<{ referent_id: string; count: string }>>(
    'SELECT referent_id, count(*) FROM sms_callbacks WHERE enterprise_id = ANY($1) GROUP BY referent_id',
    [enterpriseIds],
  );
  return new Map(rows.map((row) => [row.referent_id, Number(row.count)]));
}

/** The proof's numbers: acknowledged = 2xx; lost = acknowledged but not stored; duplicates = stored twice. */
export interface Proof {
  sent: number;
  acknowledged: number;
  unavailable503: number;
  otherStatuses: Record<number, number>;
  noAnswer: Record<string, number>;
  stored: number;
  duplicates: number;
  lost: number;
  maxLatencyMs: number;
}

export function proofOf(outcomes: Outcome[], stored: Map<string, number>): Proof {
  const proof: Proof = {
    sent: outcomes.length,
    acknowledged: 0,
    unavailable503: 0,
    otherStatuses: {},
    noAnswer: {},
    stored: 0,
    duplicates: 0,
    lost: 0,
    maxLatencyMs: 0,
  };
  for (const outcome of outcomes) {
    proof.maxLatencyMs = Math.max(proof.maxLatencyMs, outcome.latencyMs);
    const rows = stored.get(String(outcome.body.referentId)) ?? 0;
    if (outcome.status === undefined) {
      const reason = outcome.error ?? 'unknown';
      proof.noAnswer[reason] = (proof.noAnswer[reason] ?? 0) + 1;
    } else if (outcome.status < 300) {
      proof.acknowledged++;
      proof.lost += rows === 0 ? 1 : 0;
    } else if (outcome.status === 503) {
      proof.unavailable503++;
    } else {
      proof.otherStatuses[outcome.status] = (proof.otherStatuses[outcome.status] ?? 0) + 1;
    }
  }
  for (const rows of stored.values()) {
    proof.stored += rows;
    proof.duplicates += rows > 1 ? rows - 1 : 0;
  }
  return proof;
}

export function formatProof(name: string, proof: Proof): string {
  const other = Object.entries(proof.otherStatuses).map(([status, count]) => `${status}: ${count}`);
  const noAnswer = Object.entries(proof.noAnswer).map(([reason, count]) => `${reason}: ${count}`);
  return (
    `${name}: sent ${proof.sent}, acknowledged (2xx) ${proof.acknowledged}, stored ${proof.stored}, ` +
    `503s ${proof.unavailable503}, other statuses ${other.length ? other.join(', ') : 0}, ` +
    `no answer ${noAnswer.length ? noAnswer.join(', ') : 0}, duplicates ${proof.duplicates}, lost ${proof.lost}, ` +
    `slowest answer ${proof.maxLatencyMs} ms\n`
  );
}
