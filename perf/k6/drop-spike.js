// Drop spike: a creator opens a micro-drop and viewers arrive within seconds. Each virtual viewer
// has its own token (minted in setup), opens the shop widget, asks for recommendations, reserves a
// unit of the drop (waiting in the edge's waiting room when it says so), confirms the sale, and
// keeps refreshing the widget. The drop and its SKUs are discovered from the edge.
//   k6 run -e ADMIN_TOKEN=$(cat .edgecommerce/admin.token) perf/k6/drop-spike.js
//   ./edgecommerce rehearse runs it against a fresh stack with a drop opening in a few seconds.
import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { DROP_CREATOR, EDGE, RECS_PATH, RESERVE_PATH, bearer, discoverDrop, fill, mintViewerTokens, readWidget } from './lib/common.js';

const VIEWERS = parseInt(__ENV.VIEWERS || '5000', 10);   // peak concurrent viewers
const RAMP = __ENV.RAMP || '10s';                         // zero to peak
const HOLD = __ENV.HOLD || '2m';
const MIX = __ENV.MIX || 'full';                          // full | widget

// Units the viewers bought (confirmed sales): compare with the drop's own count at the origin.
const unitsConfirmed = new Counter('drop_units_confirmed');
// Answers that are failures whatever the load: a 5xx other than 503 + Retry-After (the edge's
// honest "not now"). The product promises none.
const serverErrors = new Counter('server_errors');

// Sold out or closed (409), over the viewer's limit or rate-limited (429 + Retry-After), not open
// for this viewer yet (403), queued (202) and no unit right now (503 + Retry-After) are honest
// answers, not failures.
const dropAnswers = http.expectedStatuses({ min: 200, max: 299 }, 403, 409, 410, 429, 503);

export const options = {
  setupTimeout: '5m',
  scenarios: {
    drop: {
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: RAMP, target: VIEWERS },
        { duration: HOLD, target: VIEWERS },
        { duration: '10s', target: 0 },
      ],
      gracefulRampDown: '10s',
    },
  },
  thresholds: {
    'http_req_duration{name:widget}': ['p(95)<25', 'p(99)<100'],
    'http_req_duration{name:recommendations}': ['p(95)<50', 'p(99)<150'],
    'http_req_duration{name:reserve}': ['p(95)<100', 'p(99)<300'],
    'http_req_duration{name:confirm}': ['p(95)<250', 'p(99)<500'],
    http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true, delayAbortEval: '15s' }],
    checks: ['rate>0.99'],
    server_errors: ['count<1'],
  },
};

export function setup() {
  if (MIX === 'widget') return { viewers: [], drop: null, run: '' };
  const drop = discoverDrop(DROP_CREATOR);
  // One token per viewer of the drop's creator; VUs beyond the pool reuse tokens round-robin.
  const viewers = mintViewerTokens(Math.min(VIEWERS, parseInt(__ENV.TOKENS || '2000', 10)), ['recs:read', 'drop:rsvp', 'drop:reserve'], DROP_CREATOR);
  return { viewers, drop, run: String(Date.now()) };
}

function countServerError(r) {
  if (r.status >= 500 && !(r.status === 503 && r.headers['Retry-After'])) serverErrors.add(1);
}

function retryAfter(r) {
  const seconds = parseFloat(r.headers['Retry-After'] || '1');
  return Math.min(5, Number.isFinite(seconds) && seconds > 0 ? seconds : 1);
}

/**
 * Reserves one unit, following the waiting room (202 + ticket: poll it, then reserve again with
 * Queue-Ticket once admitted). Returns { res, honest }: honest is true for a reservation (201) and
 * for every answer that is the product's honest "no" (not open yet, sold out, closed, over the
 * viewer's limit, rate-limited or no unit right now with Retry-After).
 */
function reserve(viewer, drop, run) {
  const sku = drop.skus[Math.floor(Math.random() * drop.skus.length)];
  // Unique per run and iteration: a key reused with another SKU is refused (422), as it should be.
  const headers = Object.assign({ 'Content-Type': 'application/json', 'Idempotency-Key': `k6-${run}-${exec.vu.idInTest}-${exec.scenario.iterationInTest}` }, bearer(viewer.token));
  const body = JSON.stringify({ skuId: sku, quantity: 1 });
  let res = null;
  for (let attempt = 0; attempt < 10; attempt++) {
    res = http.post(`${EDGE}${fill(RESERVE_PATH, viewer.creator, drop.dropId)}`, body, { headers, tags: { name: 'reserve' }, responseCallback: dropAnswers });
    countServerError(res);
    if (res.status !== 202) {
      const honest = res.status === 201 || res.status === 403 || res.status === 409 || res.status === 410 || res.status === 429
        || (res.status === 503 && !!res.headers['Retry-After']);
      return { res, honest };
    }

    // Queued: poll the ticket until admitted (then reserve with it), or until the drop says no.
    const ticket = res.json('ticket');
    const statusUrl = res.json('statusUrl');
    let wait = res;
    let state = 'waiting';
    for (let poll = 0; poll < 120 && state === 'waiting'; poll++) {
      sleep(retryAfter(wait));
      wait = http.get(`${EDGE}${statusUrl}`, { headers: bearer(viewer.token), tags: { name: 'queue' }, responseCallback: dropAnswers });
      countServerError(wait);
      state = wait.status === 200 ? wait.json('state') : 'gone';
    }

    if (state === 'soldOut' || state === 'closed') return { res: wait, honest: true };
    if (state === 'admitted') headers['Queue-Ticket'] = ticket;
    else delete headers['Queue-Ticket']; // expired or unknown: join again
  }

  return { res, honest: false };
}

export default function (data) {
  const viewer = data.viewers.length > 0 ? data.viewers[exec.vu.idInTest % data.viewers.length] : null;
  const creator = viewer ? viewer.creator : DROP_CREATOR;

  // Opens the shop: the widget, then live-stock refreshes with the ETag it holds.
  let etag = readWidget(creator, null);
  if (!viewer) {
    sleep(1 + Math.random());
    readWidget(creator, etag);
    return;
  }

  const recs = http.get(`${EDGE}${fill(RECS_PATH, creator)}`, { headers: bearer(viewer.token), tags: { name: 'recommendations' } });
  countServerError(recs);
  check(recs, { 'recommendations 200': (r) => r.status === 200 });
  sleep(0.5 + Math.random()); // thinks

  const { res: reserved, honest } = reserve(viewer, data.drop, data.run);
  check(reserved, { 'reserve answered honestly': () => honest });
  if (reserved.status === 201) {
    const id = reserved.json('reservationId');
    const confirm = http.post(`${EDGE}/v1/reservations/${encodeURIComponent(id)}/confirm`, null, { headers: bearer(viewer.token), tags: { name: 'confirm' }, responseCallback: dropAnswers });
    countServerError(confirm);
    check(confirm, { 'confirm answered honestly': (r) => r.status === 200 || r.status === 409 || r.status === 410 || r.status === 429 || (r.status === 503 && !!r.headers['Retry-After']) });
    if (confirm.status === 200) unitsConfirmed.add(confirm.json('quantity') || 1);
  } else if (reserved.status === 503 || reserved.status === 429) {
    sleep(retryAfter(reserved));
  }

  for (let i = 0; i < 2; i++) {
    sleep(1 + Math.random());
    etag = readWidget(creator, etag);
  }
}
