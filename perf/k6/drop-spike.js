// Drop spike: a creator announces a micro-drop and thousands of viewers arrive within seconds.
// Each virtual viewer has its own token (minted in setup), opens the shop widget, asks for
// recommendations, thinks, reserves, and keeps refreshing the widget for live stock.
//   k6 run -e EDGE_URL=http://127.0.0.1:5101 -e ORIGIN_URL=http://127.0.0.1:5080 perf/k6/drop-spike.js
//   MIX=widget limits it to widget reads (until the recommendation and reservation paths exist).
import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { EDGE, RECS_PATH, RESERVE_PATH, SKU, bearer, fill, mintViewerTokens, readWidget } from './lib/common.js';

const VIEWERS = parseInt(__ENV.VIEWERS || '5000', 10);   // peak concurrent viewers
const RAMP = __ENV.RAMP || '10s';                         // zero to peak
const HOLD = __ENV.HOLD || '2m';
const MIX = __ENV.MIX || 'full';                          // full | widget
// Only the drop's own creator's viewers may reserve on it (another creator's token gets 404).
const DROP_CREATOR = __ENV.DROP_CREATOR || 'nova-threads';

// Reservations answer 409 (sold out) and 503 with Retry-After (no units on this edge right now):
// both are honest answers, not failures.
const reservationAnswers = http.expectedStatuses({ min: 200, max: 299 }, 409, 429, 503);

export const options = {
  setupTimeout: '5m',
  scenarios: {
    drop: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: RAMP, target: VIEWERS },
        { duration: HOLD, target: VIEWERS },
        { duration: '20s', target: 0 },
      ],
      gracefulRampDown: '10s',
    },
  },
  thresholds: {
    'http_req_duration{name:widget}': ['p(95)<25', 'p(99)<100'],
    'http_req_duration{name:recommendations}': ['p(95)<50', 'p(99)<150'],
    'http_req_duration{name:reserve}': ['p(95)<100', 'p(99)<300'],
    http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '15s' }],
    checks: ['rate>0.99'],
  },
};

export function setup() {
  if (MIX === 'widget') return { viewers: [] };
  // One token per viewer; VUs beyond the pool reuse tokens round-robin.
  return { viewers: mintViewerTokens(Math.min(VIEWERS, parseInt(__ENV.TOKENS || '2000', 10)), ['recs:read', 'drop:reserve']) };
}

export default function (data) {
  const n = exec.vu.idInTest;
  const viewer = data.viewers.length > 0 ? data.viewers[n % data.viewers.length] : null;
  const creator = viewer ? viewer.creator : 'nova-threads';

  // Opens the shop: the widget, then live-stock refreshes with the ETag it holds.
  let etag = readWidget(creator, null);
  sleep(0.5 + Math.random());

  if (viewer) {
    const recs = http.get(`${EDGE}${fill(RECS_PATH, creator)}`, { headers: bearer(viewer.token), tags: { name: 'recommendations' } });
    check(recs, { 'recommendations 200': (r) => r.status === 200 });
    sleep(1 + Math.random() * 2); // thinks
  }

  if (viewer && viewer.creator === DROP_CREATOR) {
    const body = JSON.stringify({ skuId: SKU, quantity: 1 });
    const reserve = http.post(`${EDGE}${fill(RESERVE_PATH, creator)}`, body, {
      headers: Object.assign({ 'Content-Type': 'application/json' }, bearer(viewer.token)),
      tags: { name: 'reserve' },
      responseCallback: reservationAnswers,
    });
    check(reserve, {
      // 202: queued by the edge's waiting room (a ticket with position and estimate, not an error).
      'reserve answered honestly': (r) => r.status === 201 || r.status === 409 || (r.status === 202 && !!r.json('ticket'))
        || ((r.status === 503 || r.status === 429) && !!r.headers['Retry-After']),
    });
  }

  for (let i = 0; i < 3; i++) {
    sleep(1 + Math.random());
    etag = readWidget(creator, etag);
  }
}
