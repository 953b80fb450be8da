// Shared settings and helpers for the EdgeCommerce k6 scenarios (k6 v0.48 or later; no
// experimental modules). Every knob is an environment variable (k6 run -e NAME=value), with
// defaults that match `./edgecommerce up`.
import http from 'k6/http';
import { check, fail } from 'k6';

export const EDGE = (__ENV.EDGE_URL || 'http://127.0.0.1:5101').replace(/\/$/, '');
export const ORIGIN = (__ENV.ORIGIN_URL || 'http://127.0.0.1:5080').replace(/\/$/, '');
// Demo creators seeded by `./edgecommerce up`; any comma-separated list works.
export const CREATORS = (__ENV.CREATORS || 'nova-threads,pixel-forge,tea-and-tides,sakura-studio').split(',');
// The edge's routes ({creator}, {drop} are replaced): GET /v1/recommendations?creatorId=&k=,
// POST /v1/drops/{dropId}/reservations, POST /v1/reservations/{id}/confirm.
export const RECS_PATH = __ENV.RECS_PATH || '/v1/recommendations?creatorId={creator}&k=8';
export const RESERVE_PATH = __ENV.RESERVE_PATH || '/v1/drops/{drop}/reservations';
// The drop's creator: only its viewers may reserve (another creator's viewer token gets 404 on the drop).
export const DROP_CREATOR = __ENV.DROP_CREATOR || 'nova-threads';
// The operator token `up` writes to .edgecommerce/admin.token (or `./edgecommerce token --scope
// admin:platform --audience origin`): setup() mints the viewers' tokens with it.
const ADMIN_TOKEN = (__ENV.ADMIN_TOKEN || '').trim();

export function fill(path, creator, drop) {
  return path.replace('{creator}', encodeURIComponent(creator)).replace('{drop}', encodeURIComponent(drop || ''));
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
 * The drop to rehearse, as the edge publishes it (GET /v1/creators/{creator}/drops: the drop under
 * way first, then the next to start): DROP and SKUS (comma-separated) override it.
 */
export function discoverDrop(creator) {
  const res = http.get(`${EDGE}/v1/creators/${encodeURIComponent(creator)}/drops`, { tags: { name: 'setup-drops' } });
  if (res.status !== 200) fail(`GET ${EDGE}/v1/creators/${creator}/drops answered ${res.status}: is the stack up (./edgecommerce up) and EDGE_URL right?`);
  const drops = res.json('drops') || [];
  const drop = __ENV.DROP ? drops.find((d) => d.dropId === __ENV.DROP) : drops[0];
  if (!drop) fail(__ENV.DROP ? `the edge has no drop ${__ENV.DROP} of ${creator}` : `${creator} has no drop that is scheduled or under way: schedule one (./edgecommerce drops put)`);
  const skus = __ENV.SKUS
    ? __ENV.SKUS.split(',')
    : (drop.skus || []).filter((s) => !s.withdrawn).map((s) => s.skuId);
  if (skus.length === 0) fail(`drop ${drop.dropId} has no SKU to reserve`);
  return { dropId: drop.dropId, startsAt: drop.startsAt, skus };
}

/**
 * Mints `count` viewer tokens for `creator` at the origin (POST /admin/v1/tokens with the operator
 * token, as the README shows): audience edge, the scopes a shop viewer has. Runs once, in setup(),
 * 50 requests at a time.
 */
export function mintViewerTokens(count, scopes, creator) {
  if (!ADMIN_TOKEN) fail('set ADMIN_TOKEN to the operator token: -e ADMIN_TOKEN=$(cat .edgecommerce/admin.token)');
  const params = { headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` }, tags: { name: 'setup-mint' } };
  const tokens = [];
  for (let first = 0; first < count; first += 50) {
    const batch = [];
    for (let i = first; i < Math.min(count, first + 50); i++) {
      const viewerCreator = creator || CREATORS[i % CREATORS.length];
      const body = { subject: `k6-viewer-${i}`, creatorId: viewerCreator, scopes, ttlSeconds: 3600, audience: 'edge' };
      if (i % 10 === 0) body.tier = 'superfan';
      batch.push(['POST', `${ORIGIN}/admin/v1/tokens`, JSON.stringify(body), params]);
    }
    const answers = http.batch(batch);
    for (let j = 0; j < answers.length; j++) {
      if (answers[j].status !== 200) fail(`minting viewer token ${first + j} failed: ${answers[j].status} ${answers[j].body}`);
      tokens.push({ creator: creator || CREATORS[(first + j) % CREATORS.length], token: answers[j].json('token') });
    }
  }
  return tokens;
}

export function bearer(token) {
  return { Authorization: `Bearer ${token}` };
}
