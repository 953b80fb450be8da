// Soak: a steady, realistic mix for a long time (default 1 h), to find leaks and slow drift:
// watch the edge's RSS, GC and the dashboard's P95 while it runs.
//   k6 run -e ADMIN_TOKEN=$(cat .edgecommerce/admin.token) -e DURATION=1h perf/k6/soak.js
import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { EDGE, RECS_PATH, bearer, fill, mintViewerTokens, readWidget, CREATORS } from './lib/common.js';

const RATE = parseInt(__ENV.RATE || '500', 10);   // iterations per second
const DURATION = __ENV.DURATION || '1h';
const MIX = __ENV.MIX || 'full';

export const options = {
  scenarios: {
    soak: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: 100,
      maxVUs: 1000,
    },
  },
  thresholds: {
    'http_req_duration{name:widget}': ['p(95)<10', 'p(99)<50'],
    'http_req_duration{name:recommendations}': ['p(95)<50', 'p(99)<150'],
    http_req_failed: ['rate<0.001'],
    dropped_iterations: ['count<1'],
  },
};

export function setup() {
  // Viewers spread over the creators; each may read only its own creator's recommendations.
  return { viewers: MIX === 'widget' ? [] : mintViewerTokens(parseInt(__ENV.TOKENS || '500', 10), ['recs:read']) };
}

export default function (data) {
  const n = exec.scenario.iterationInTest;
  if (data.viewers.length > 0 && n % 5 === 0) {
    // One iteration in five is a personal call; the per-viewer rate limit (10/s) is far away:
    // each token is used about RATE / 5 / TOKENS times a second.
    const viewer = data.viewers[n % data.viewers.length];
    const res = http.get(`${EDGE}${fill(RECS_PATH, viewer.creator)}`, { headers: bearer(viewer.token), tags: { name: 'recommendations' } });
    check(res, { 'recommendations 200': (r) => r.status === 200 });
    return;
  }

  readWidget(CREATORS[n % CREATORS.length], null);
  sleep(0.1);
}
