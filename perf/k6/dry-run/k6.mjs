// The parts of the 'k6' module the scenarios use, synchronously like k6.
export const results = { checks: {}, failedChecks: 0 };

export function check(value, checks) {
  let all = true;
  for (const [name, predicate] of Object.entries(checks)) {
    let ok = false;
    try { ok = !!predicate(value); } catch { ok = false; }
    const entry = results.checks[name] || (results.checks[name] = { passes: 0, fails: 0 });
    if (ok) entry.passes++; else { entry.fails++; results.failedChecks++; all = false; }
  }
  return all;
}

export function sleep(seconds) {
  const scale = parseFloat(process.env.SLEEP_SCALE || '0.1');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, seconds * scale * 1000));
}

export function fail(message) {
  throw new Error(message);
}

export function group(_name, fn) {
  return fn();
}
