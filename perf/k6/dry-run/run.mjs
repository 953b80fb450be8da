// Dry run of a k6 scenario without k6: setup() once, then ITERATIONS iterations of the default
// function over VUS virtual viewers, every HTTP call made with curl against a real stack. It
// proves the routes, tokens and JSON paths, not the load: thresholds are not evaluated.
//   node --import ./perf/k6/dry-run/register.mjs perf/k6/dry-run/run.mjs perf/k6/drop-spike.js
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

globalThis.__ENV = process.env;
const script = await import(pathToFileURL(resolve(process.argv[2])).href);
const { results } = await import('k6');
const { requests } = await import('k6/http');
const exec = (await import('k6/execution')).default;
const { values } = await import('k6/metrics');

const data = script.setup ? script.setup() : undefined;
const vus = parseInt(process.env.VUS || '3', 10);
const iterations = parseInt(process.env.ITERATIONS || '6', 10);
for (let i = 0; i < iterations; i++) {
  exec.vu.idInTest = (i % vus) + 1;
  exec.scenario.iterationInTest = i;
  script.default(data);
}

const byName = {};
for (const r of requests) {
  const key = `${r.method} ${r.name}`;
  byName[key] = byName[key] || {};
  byName[key][r.status] = (byName[key][r.status] || 0) + 1;
}
console.log(JSON.stringify({ requests: byName, checks: results.checks, metrics: values }, null, 2));
process.exit(results.failedChecks === 0 ? 0 : 1);
