// EdgeCommerce embed: paste into the creator's page
//   <div id="shop"></div>
//   <script src="https://EDGE/embed.js" data-creator="CREATOR" data-origin="https://ORIGIN"
//           data-region="eu-west" data-target="shop" data-token-url="/shop-token" async></script>
// It asks the origin's public nearest-edge lookup for the closest healthy edge (falling back to
// the edge that served this script), mounts /shop/CREATOR from that edge in a frame, and hands
// the frame a viewer token fetched from the creator's own site (data-token-url answers
// {"token": "..."} for the signed-in viewer), by postMessage to that edge's origin only.
(() => {
  'use strict';
  const script = document.currentScript;
  if (!script) return;
  const d = script.dataset;
  const creator = d.creator;
  if (!creator) return;
  const fallback = new URL(script.src).origin;

  async function nearestEdge() {
    if (!d.origin) return fallback;
    try {
      const url = new URL('/v1/edges/nearest', d.origin);
      if (d.region) url.searchParams.set('region', d.region);
      const response = await fetch(url, { credentials: 'omit' });
      const answer = await response.json();
      if (answer.edges && answer.edges.length) return new URL(answer.edges[0].url).origin;
    } catch { /* the origin is down or unreachable: the edge that served us will do */ }
    return fallback;
  }

  async function viewerToken() {
    if (!d.tokenUrl) return null;
    try {
      const response = await fetch(d.tokenUrl, { method: 'POST', credentials: 'same-origin' });
      return response.ok ? (await response.json()).token : null;
    } catch { return null; }
  }

  nearestEdge().then((edge) => {
    const frame = document.createElement('iframe');
    frame.src = edge + '/shop/' + encodeURIComponent(creator);
    frame.title = d.title || 'Shop';
    frame.loading = 'lazy';
    frame.referrerPolicy = 'no-referrer';
    // The shop reports its height (postMessage) and the frame follows it: no scrolling inside the frame.
    frame.style.cssText = 'display:block;width:100%;height:' + (d.height || '640px') + ';border:0;overflow:hidden;';
    frame.setAttribute('scrolling', 'no');
    frame.dataset.edge = edge;
    const target = d.target && document.getElementById(d.target);
    if (target) target.append(frame); else script.after(frame);
    window.addEventListener('message', async (event) => {
      if (event.origin !== edge || event.source !== frame.contentWindow || !event.data) return;
      if (event.data.type === 'edgecommerce:height') {
        const height = Number(event.data.height);
        if (Number.isFinite(height) && height > 0 && height < 100000) frame.style.height = Math.ceil(height) + 'px';
        return;
      }
      if (event.data.type === 'edgecommerce:ready' || event.data.type === 'edgecommerce:token-expired') {
        const token = await viewerToken();
        if (token) frame.contentWindow.postMessage({ type: 'edgecommerce:token', token }, edge);
      }
    });
  });
})();
