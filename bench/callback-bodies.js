'use strict';
/** The bench's callbacks: bench/run.js sends them, bench/row-cost.js stores them as the service would. */

/** Now, local time (+07:00, the service's default CALLBACK_TIMEZONE): callbacks land in today's partition. */
const localTime = (offsetMs) =>
  new Date(Date.now() + 7 * 3600_000 + offsetMs).toISOString().slice(0, 19).replace('T', ' ');
const SEND_TIME = localTime(0);
const RESPONSE_TIME = localTime(2_000);

/** The body of callback `n` with the ids `req-<id>` / `msg-<id>`, as an object. */
function callbackFields(id, n) {
  return {
    msisdn: `849${String(10_000_000 + (n % 90_000_000)).padStart(8, '0')}`,
    requestId: `req-${id}`,
    sendTime: SEND_TIME,
    responseTimeTelco: RESPONSE_TIME,
    status: n % 7 === 0 ? 1 : 0,
    referentId: `msg-${id}`,
    retryCount: n % 3,
  };
}

/** The same as the JSON text sent. */
const callbackBody = (id, n) => JSON.stringify(callbackFields(id, n));

module.exports = { SEND_TIME, RESPONSE_TIME, callbackFields, callbackBody };
