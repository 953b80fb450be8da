// 'k6/http' made of curl: synchronous requests as k6 makes them, each recorded by its name tag
// and status so the dry run can say which routes answered what.
import { execFileSync } from 'node:child_process';

export const requests = [];

function canonical(name) {
  // Go's textproto canonical form, as k6 shows response headers: "retry-after" -> "Retry-After".
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash, c) => dash + c.toUpperCase());
}

function get(object, path) {
  return path.split('.').reduce((value, key) => (value == null ? undefined : value[key]), object);
}

function request(method, url, body, params = {}) {
  const args = ['-s', '-i', '-X', method, '--max-time', '30'];
  for (const [name, value] of Object.entries(params.headers || {})) args.push('-H', `${name}: ${value}`);
  if (body !== null && body !== undefined) args.push('--data-binary', typeof body === 'string' ? body : JSON.stringify(body));
  args.push(url);
  const raw = execFileSync('curl', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).split('\r\n');
  const status = parseInt(head[0].split(' ')[1], 10);
  const headers = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    headers[canonical(line.slice(0, colon))] = line.slice(colon + 1).trim();
  }
  const text = raw.slice(split + 4);
  const response = {
    status, headers, body: text, url,
    json(path) {
      const parsed = JSON.parse(text);
      return path ? get(parsed, path) : parsed;
    },
  };
  requests.push({ method, name: (params.tags && params.tags.name) || url, status });
  return response;
}

export default {
  get: (url, params) => request('GET', url, null, params),
  post: (url, body, params) => request('POST', url, body, params),
  put: (url, body, params) => request('PUT', url, body, params),
  del: (url, body, params) => request('DELETE', url, body, params),
  batch: (list) => list.map(([method, url, body, params]) => request(method, url, body, params)),
  expectedStatuses: (...statuses) => ({ statuses }),
};
