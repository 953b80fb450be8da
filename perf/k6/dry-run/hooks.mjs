// Node module hooks for the dry run: 'k6', 'k6/http', 'k6/execution' and 'k6/metrics' resolve to
// the shims beside this file, and the scenario files (plain .js) load as ES modules, as k6 reads them.
const shims = { k6: 'k6.mjs', 'k6/http': 'http.mjs', 'k6/execution': 'execution.mjs', 'k6/metrics': 'metrics.mjs' };

export async function resolve(specifier, context, nextResolve) {
  if (Object.hasOwn(shims, specifier)) {
    return { url: new URL(shims[specifier], import.meta.url).href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith('file:') && url.endsWith('.js') && url.includes('/perf/k6/')) {
    return nextLoad(url, { ...context, format: 'module' });
  }
  return nextLoad(url, context);
}
