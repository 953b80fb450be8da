// Shared settings and helpers for the EdgeCommerce k6 scenarios. Every knob is an environment
// variable (k6 run -e NAME=value), with defaults that match `./edgecommerce up`.
import http from 'k6/http';
import { check, fail } from 'k6';

export const EDGE = (__ENV.EDGE_URL || 'http://127.0.0.1:5101').replace(/\/$/, '');
export const ORIGIN = (__ENV.ORIGIN_URL || 'http://127.0.0.1:5080').replace(/\/$/, '');
// Demo creators seeded by `./edgecommerce up`; any comma-separated list works.
export const CREATORS = (__ENV.CREATORS || 'nova-threads,pixel-forge,tea-and-tides,sakura-studio').split(',');
// Personal paths ({creator}, {drop}, {sku} are replaced). They land with the recommendations and
// micro-drop issues; until then run with MIX=widget.
export const RECS_PATH = __ENV.RECS_PATH || '/v1/creators/{creator}/recommendations?k=8';
export const RESERVE_PATH = __ENV.RESERVE_PATH || '/v1/drops/{drop}/reservations';
export const DROP = __ENV.DROP || 'demo-drop';
export const SKU = __ENV.SKU || 'nova-hoodie-01-m';
// Admin token for minting viewer tokens in setup() (admin:platform); empty works while the admin
// API still answers loopback without one.
const ADMIN_TOKEN = __ENV.ADMIN_TOKEN || '';

export function fill(path, creator) {
  return path.replace('{creator}', encodeURIComponent(creator)).replace('{drop}', encodeURIComponent(DROP)).replace('{sku}', encodeURIComponent(SKU));
}

/** A widget read, the way a browser revalidates: If-None-Match with the ETag it holds (or none). */
export function readWidget(creator, etag) {
  const params = { tags: { name: 'widget' }, headers: {} };
  if (etag) params.headers['If-None-Match'] = etag;
  const res = http.get(`${EDGE}/v1/creators/${encodeURIComponent(creator)}/widget`, params);
  check(res, {
    'widget 200 or 304': (r) => r.status === 200 || r.status === 304,
    'widget has an ETag': (r) => !!r.headers['Etag'],
  });
  return res.headers['Etag'];
}

/**
 * Mints `count` viewer tokens (one per virtual viewer) at the origin: scopes for recommendations
 * and reservations, the viewer's creator, audience edge. Runs once, in setup().
 */
export function mintViewerTokens(count, scopes) {
  const tokens = [];
  const headers = { 'Content-Type': 'application/json' };
  if (ADMIN_TOKEN) headers['Authorization'] = `Bearer ${ADMIN_TOKEN}`;
  for (let i = 0; i < count; i++) {
    const creator = CREATORS[i % CREATORS.length];
    const body = JSON.stringify({ subject: `k6-viewer-${i}`, creatorId: creator, scopes, ttlSeconds: 3600, audience: 'edge', tier: i % 10 === 0 ? 'superfan' : undefined });
    const res = http.post(`${ORIGIN}/admin/v1/tokens`, body, { headers, tags: { name: 'setup-mint' } });
    if (res.status !== 200) fail(`minting viewer token ${i} failed: ${res.status} ${res.body}`);
    tokens.push({ creator, token: res.json('token') });
  }
  return tokens;
}

export function bearer(token) {
  return { Authorization: `Bearer ${token}` };
}
