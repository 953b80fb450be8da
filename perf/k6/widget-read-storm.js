// Widget read storm: the cached, public widget path under a constant, then rising, arrival rate
// (an open model: requests keep arriving whether or not the edge keeps up, like viewers do).
//   k6 run -e EDGE_URL=http://127.0.0.1:5101 perf/k6/widget-read-storm.js
import { readWidget, CREATORS } from './lib/common.js';

const RATE = parseInt(__ENV.RATE || '2000', 10);       // requests per second at the plateau
const PEAK = parseInt(__ENV.PEAK || String(RATE * 3), 10);

export const options = {
  discardResponseBodies: true,
  scenarios: {
    storm: {
      executor: 'ramping-arrival-rate',
      startRate: Math.floor(RATE / 10),
      timeUnit: '1s',
      preAllocatedVUs: 200,
      maxVUs: 2000,
      stages: [
        { duration: '15s', target: RATE },   // warm up to the plateau
        { duration: '1m', target: RATE },    // hold
        { duration: '15s', target: PEAK },   // the storm
        { duration: '30s', target: PEAK },
        { duration: '10s', target: 0 },
      ],
    },
  },
  thresholds: {
    // The run fails (non-zero exit) when a target is missed; the tail is the product promise.
    'http_req_duration{name:widget}': ['p(95)<10', 'p(99)<50'],
    http_req_failed: [{ threshold: 'rate<0.001', abortOnFail: true, delayAbortEval: '10s' }],
    checks: ['rate>0.999'],
    // Iterations k6 could not start (not enough VUs): the load generator, not the edge, fell behind.
    dropped_iterations: ['count<100'],
  },
};

export default function () {
  // Half the viewers revalidate with the ETag they hold (304s), half load the widget fresh.
  const creator = CREATORS[Math.floor(Math.random() * CREATORS.length)];
  const etag = readWidget(creator, null);
  if (Math.random() < 0.5) readWidget(creator, etag);
}
