// The viewer's shop page. Everything comes from this edge: the widget (in the page), the drop's
// live stock (server-sent events), recommendations and reservations (viewer token). The token
// arrives from the creator's site: postMessage from the embedding page, or a #token= fragment
// (never a query string: fragments never reach a server or a log). Catalog text is only ever set
// with textContent. Reservation answers follow the drops API and the waiting-room contract
// (202 = queued: poll the ticket, retry with Queue-Ticket once admitted).
(() => {
  'use strict';
  const body = document.body;
  const creatorId = body.dataset.creatorId;
  const siteOrigins = (body.dataset.siteOrigins || '').split(' ').filter(Boolean);
  const $ = (id) => document.getElementById(id);
  const ui = {
    drop: $('drop'), noDrop: $('no-drop'), drops: $('drops'), dropList: $('drop-list'), title: $('drop-title'), phase: $('drop-phase'), countdown: $('countdown'),
    stock: $('stock'), state: $('state'), rsvp: $('rsvp'), confirm: $('confirm'), release: $('release'),
    recs: $('recs'), recsList: $('recs-list'), recsSource: $('recs-source'), viewer: $('viewer'), link: $('link-state'),
  };
  const PHASES = { scheduled: 'Starts soon', early_access: 'Early access', open: 'Open now', sold_out: 'Sold out', closed: 'Closed' };

  let token = null;
  let drop = null;           // the drop's latest view (from the list, then the stream)
  let reservation = null;    // {reservationId, skuId, expiresAt}
  let confirmed = false;
  let busy = false;
  let queue = null;          // {ticket, statusUrl, skuId, key}
  let unanswered = null;     // {skuId, key}: a reservation that got no final answer (503, no connection); its retry reuses the key
  let notOpenUntil = null;   // Date: the drop opens for this viewer then
  let events = null;
  let linkDown = false;      // the edge cannot reach the origin (from /v1/edge/status): nothing can be reserved
  let held = 0;              // units this viewer confirmed in the followed drop (against its per-viewer limit)
  let limitReached = false;  // the edge said the per-viewer limit is reached
  let lastItem = '';         // what the last reservation was for ("Tour hoodie · M"), for the confirmed line
  const bought = new Set();  // product ids confirmed on this page: never recommended back

  // ---- token -------------------------------------------------------------------------------
  function takeTokenFromFragment() {
    const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (match) {
      // Out of the address bar and the history at once.
      history.replaceState(null, '', location.pathname + location.search);
      setToken(decodeURIComponent(match[1]));
    }
  }

  function setToken(value) {
    if (typeof value !== 'string' || value.length > 4096 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(value)) return;
    token = value;
    let who = 'a viewer';
    try { who = JSON.parse(atob(value.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub || who; } catch { /* display only */ }
    ui.viewer.textContent = 'Signed in as ' + who;
    body.dataset.signedIn = 'true';
    loadRecommendations();
    render();
  }

  window.addEventListener('message', (event) => {
    // Only the creator's own site (the frame-ancestors of this page) may hand over a token.
    if (event.source !== window.parent || !siteOrigins.includes(event.origin)) return;
    const data = event.data;
    if (data && data.type === 'edgecommerce:token') setToken(data.token);
  });

  function tellParent(type, extra) {
    if (window.parent === window) return;
    for (const origin of siteOrigins) window.parent.postMessage(Object.assign({ type, creatorId }, extra), origin);
  }

  // Embedded, the frame takes the page's whole height (embed.js sets it), so a phone scrolls the
  // creator's page only, never a box inside it.
  function reportHeight() {
    const height = Math.ceil(document.documentElement.scrollHeight);
    if (height !== reportHeight.last) { reportHeight.last = height; tellParent('edgecommerce:height', { height }); }
  }

  // ---- HTTP --------------------------------------------------------------------------------
  async function call(method, url, { json, headers } = {}) {
    const init = { method, headers: Object.assign({}, headers), cache: 'no-store' };
    if (token) init.headers.Authorization = 'Bearer ' + token;
    if (json !== undefined) { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(json); }
    let response;
    try { response = await fetch(url, init); } catch { return { status: 0, body: null, headers: new Headers() }; }
    let data = null;
    const type = response.headers.get('Content-Type') || '';
    if (type.includes('json')) { try { data = await response.json(); } catch { data = null; } }
    if (response.status === 401) { token = null; body.dataset.signedIn = 'false'; ui.viewer.textContent = 'Sign-in expired'; tellParent('edgecommerce:token-expired'); }
    return { status: response.status, body: data, headers: response.headers };
  }

  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  // ---- catalog lookups (from the widget fragment in the page) --------------------------------
  function productOf(skuId) {
    for (const li of document.querySelectorAll('.ec-product')) {
      for (const sku of li.querySelectorAll('[data-sku-id]')) {
        if (sku.dataset.skuId === skuId) return { li, title: text(li, '.ec-title'), label: sku.textContent };
      }
    }
    return null;
  }

  function itemName(skuId) {
    const product = productOf(skuId);
    return product ? product.title + ' \u00b7 ' + product.label : skuId;
  }

  // Where each SKU stands in the catalog (products, then their sizes, as the widget lists them).
  function catalogRank(skuId) {
    const all = Array.from(document.querySelectorAll('.ec-product [data-sku-id]'), (el) => el.dataset.skuId);
    const at = all.indexOf(skuId);
    return at < 0 ? Number.MAX_SAFE_INTEGER : at;
  }

  function productById(productId) {
    for (const li of document.querySelectorAll('.ec-product')) if (li.dataset.productId === productId) return li;
    return null;
  }

  function text(root, selector) { const el = root.querySelector(selector); return el ? el.textContent : ''; }

  // ---- drops -------------------------------------------------------------------------------
  async function loadDrop() {
    const answer = await call('GET', '/v1/creators/' + encodeURIComponent(creatorId) + '/drops');
    const list = answer.status === 200 && answer.body ? answer.body.drops : [];
    if (!list.length) { ui.drop.hidden = true; ui.noDrop.hidden = false; ui.drops.hidden = true; body.dataset.state = 'no-drop'; return; }
    renderDropList(list);
    selectDrop(list[0]);
  }

  // Every live and upcoming drop of the creator (the one under way first): the viewer picks which
  // one the panel below follows. Switching is refused while a reservation or a place in line is held.
  function renderDropList(list) {
    ui.dropList.replaceChildren(...list.map((view) => {
      const li = document.createElement('li');
      li.dataset.dropId = view.dropId;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'secondary';
      button.textContent = (view.title || view.dropId) + ' · ' + (PHASES[view.phase] || view.phase);
      button.addEventListener('click', () => { if (!reservation && !queue) selectDrop(view); });
      li.append(button);
      return li;
    }));
    ui.drops.hidden = list.length < 2;
  }

  function selectDrop(view) {
    if (drop && drop.dropId !== view.dropId) { ui.stock.replaceChildren(); notOpenUntil = null; confirmed = false; held = 0; limitReached = false; setState('idle', ''); }
    for (const li of ui.dropList.children) li.setAttribute('aria-current', String(li.dataset.dropId === view.dropId));
    applyDrop(view);
    follow(view.dropId);
  }

  function follow(dropId) {
    if (events) events.close();
    events = new EventSource('/v1/drops/' + encodeURIComponent(dropId) + '/stream');
    events.addEventListener('availability', (event) => {
      try { applyDrop(JSON.parse(event.data)); } catch { /* a torn event: the next one repairs it */ }
      if (!linkDown) ui.link.textContent = 'Live stock from this edge.';
    });
    events.onerror = () => { ui.link.textContent = 'Reconnecting to live stock…'; };
  }

  function applyDrop(view) {
    drop = view;
    ui.drop.hidden = false;
    ui.noDrop.hidden = true;
    ui.title.textContent = view.title || 'Drop';
    ui.phase.textContent = PHASES[view.phase] || view.phase;
    ui.drop.dataset.phase = view.phase;
    renderStock();
    render();
  }

  function renderStock() {
    const rows = new Map(Array.from(ui.stock.children, (li) => [li.dataset.skuId, li]));
    for (const sku of drop.skus) {
      let li = rows.get(sku.skuId);
      if (!li) {
        li = document.createElement('li');
        li.dataset.skuId = sku.skuId;
        const name = document.createElement('span');
        name.className = 'name';
        const product = productOf(sku.skuId);
        name.textContent = product ? product.title + ' · ' + product.label : sku.skuId;
        const left = document.createElement('span');
        left.className = 'left';
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'reserve';
        button.textContent = 'Reserve';
        button.setAttribute('aria-label', 'Reserve ' + name.textContent);
        button.addEventListener('click', () => reserve(sku.skuId, unanswered && unanswered.skuId === sku.skuId ? unanswered.key : newKey()));
        // Why the button is off, in words next to it (and read with it).
        const why = document.createElement('span');
        why.className = 'why';
        why.id = 'why-' + sku.skuId;
        button.setAttribute('aria-describedby', why.id);
        li.append(name, left, button, why);
        // Sizes in catalog order, whatever order the drop lists its allocations in.
        const rank = catalogRank(sku.skuId);
        li.dataset.rank = String(rank);
        const after = Array.from(ui.stock.children).find((other) => Number(other.dataset.rank) > rank);
        ui.stock.insertBefore(li, after || null);
      }

      const left = li.querySelector('.left');
      const words = sku.withdrawn ? 'Withdrawn' : sku.soldOut ? 'Sold out' : sku.available === 0 ? 'All held, may come back' : sku.available + ' left';
      // Only touch the live region when the words change, so screen readers hear changes only.
      if (left.textContent !== words) left.textContent = words;
      left.dataset.available = String(sku.available);
      left.dataset.level = sku.withdrawn || sku.soldOut || sku.available === 0 ? 'none' : sku.available <= 3 ? 'low' : 'ok';
      li.dataset.soldOut = String(sku.soldOut);
      li.dataset.withdrawn = String(!!sku.withdrawn);
    }
  }

  // ---- reservations --------------------------------------------------------------------------
  async function reserve(skuId, key = newKey(), ticket = null) {
    if (busy || !token || !drop) return;
    busy = true;
    setState('working', 'Reserving…');
    const headers = { 'Idempotency-Key': key };
    if (ticket) headers['Queue-Ticket'] = ticket;
    const answer = await call('POST', '/v1/drops/' + encodeURIComponent(drop.dropId) + '/reservations', { json: { skuId, quantity: 1 }, headers });
    busy = false;
    // The edge may have reserved without the page hearing it: the retry must be the same request.
    unanswered = answer.status === 0 || answer.status >= 500 ? { skuId, key } : null;
    const problem = answer.body || {};
    switch (answer.status) {
      case 201:
        queue = null;
        notOpenUntil = null;
        lastItem = itemName(skuId);
        reservation = { reservationId: problem.reservationId, skuId, expiresAt: new Date(problem.expiresAt) };
        render(ui.confirm);
        return;
      case 202:
        queue = { ticket: problem.ticket, statusUrl: problem.statusUrl || answer.headers.get('Location'), skuId, key, status: problem };
        render();
        pollQueue(queue);
        return;
      case 403:
        // A ticket this edge cannot check (another edge's, or from before a restart): join again.
        if (ticket && problem.invalidQueueTicket) { reserve(skuId, key); return; }
        notOpenUntil = problem.opensAt ? new Date(problem.opensAt) : null;
        render(ui.rsvp.hidden ? null : ui.rsvp);
        return;
      case 409:
        if (problem.soldOut) { setState('sold-out', 'Sold out.'); markSoldOut(skuId); } else setState('closed', problem.title || 'The drop is closed.');
        return;
      case 429:
        if (problem.title === 'Over the per-viewer limit.') { limitReached = true; render(); setState('limit', 'You already hold as many as this drop allows.'); }
        else setState('error', 'Too many tries; wait a moment.');
        return;
      case 503: setState('error', 'Busy right now: try again in ' + (answer.headers.get('Retry-After') || '1') + ' s.'); return;
      case 401: setState('signed-out', 'Sign in on the creator\u2019s site to reserve.'); return;
      default: setState('error', answer.status === 0 ? 'No connection to the shop: try again.' : (problem.title || 'Something went wrong: try again.'));
    }
  }

  async function pollQueue(mine) {
    while (queue === mine) {
      await sleep(1000);
      if (queue !== mine) return;
      const answer = await call('GET', mine.statusUrl);
      if (queue !== mine) return;
      if (answer.status !== 200 || !answer.body) { if (answer.status === 404 || answer.status === 401) { queue = null; setState('error', 'Your place in line was lost: try again.'); } continue; }
      mine.status = answer.body;
      switch (answer.body.state) {
        case 'admitted': queue = null; reserve(mine.skuId, mine.key, mine.ticket); return;
        case 'soldOut': queue = null; setState('sold-out', 'Sold out.'); markSoldOut(mine.skuId); return;
        case 'closed': queue = null; setState('closed', 'The drop is closed.'); return;
        case 'expired': queue = null; setState('expired', 'Your turn passed: try again.'); return;
        default: render();
      }
    }
  }

  function markSoldOut(skuId) {
    const sku = drop && drop.skus.find((s) => s.skuId === skuId);
    if (sku) { sku.soldOut = true; sku.available = 0; renderStock(); }
  }

  async function confirmReservation() {
    if (busy || !reservation) return;
    busy = true;
    setState('working', 'Confirming…');
    const answer = await call('POST', '/v1/reservations/' + encodeURIComponent(reservation.reservationId) + '/confirm');
    busy = false;
    if (answer.status === 200) {
      confirmed = true;
      held++;
      const product = productOf(reservation.skuId);
      if (product && product.li.dataset.productId) bought.add(product.li.dataset.productId);
      render();
      loadRecommendations();
      return;
    }
    if (answer.status === 410 || answer.status === 409 || answer.status === 404) { reservation = null; setState('expired', 'The reservation ended before it was confirmed.'); return; }
    if (answer.status === 429) { reservation = null; limitReached = true; render(); setState('limit', 'You already bought as many as this drop allows.'); return; }
    setState('error', 'Could not confirm right now; your reservation is still held. Try again.');
  }

  async function releaseReservation() {
    if (busy || !reservation) return;
    busy = true;
    const answer = await call('DELETE', '/v1/reservations/' + encodeURIComponent(reservation.reservationId));
    busy = false;
    if (answer.status === 204 || answer.status === 404) { reservation = null; render(); }
  }

  async function rsvp() {
    if (busy || !drop || !token) return;
    busy = true;
    const answer = await call('POST', '/v1/drops/' + encodeURIComponent(drop.dropId) + '/rsvp');
    busy = false;
    if (answer.status === 200) {
      body.dataset.rsvp = 'true';
      notOpenUntil = null;
      // In line for the general start? Early access now lets this viewer reserve at once.
      const waiting = queue;
      if (waiting && drop.phase === 'early_access') { queue = null; reserve(waiting.skuId, waiting.key); return; }
      render();
      setState('rsvped', 'You\u2019re on the list: you may reserve during early access.');
    }
    else setState('error', 'The RSVP did not go through: try again.');
  }

  // ---- rendering -----------------------------------------------------------------------------
  function setState(name, words) {
    ui.state.dataset.state = name;
    body.dataset.state = name;
    if (ui.state.textContent !== words) ui.state.textContent = words;
  }

  /** Works out the state from what is known, sets the buttons, moves focus to `focus` if given. */
  function render(focus) {
    if (!drop) return;
    // Before the start too: the waiting room queues early arrivals (202); without one the edge says when it opens (403).
    const reserving = drop.phase === 'open' || drop.phase === 'early_access' || drop.phase === 'scheduled';
    const atLimit = limitReached || (drop.perViewerLimit > 0 && held >= drop.perViewerLimit);
    const notYet = notOpenUntil && notOpenUntil > new Date();
    for (const li of ui.stock.children) {
      const button = li.querySelector('button');
      // The first reason that applies, in the order a viewer can act on least to most.
      const [why, words] =
        li.dataset.withdrawn === 'true' ? ['withdrawn', 'No longer sold']
        : li.dataset.soldOut === 'true' || drop.phase === 'sold_out' ? ['sold-out', 'Sold out']
        : drop.phase === 'closed' ? ['closed', 'Drop closed']
        : linkDown ? ['origin-unreachable', 'Store unreachable: reserving paused']
        : atLimit ? ['limit-reached', 'Limit reached (' + drop.perViewerLimit + ' per viewer)']
        : notYet ? ['not-open', 'Not open for you until ' + clock(notOpenUntil)]
        : !token ? ['signed-out', 'Sign in to reserve']
        : !reserving ? ['not-open', 'Not open yet']
        : reservation ? ['holding', 'You hold a reservation']
        : queue ? ['queued', 'You are in line']
        : ['', ''];
      button.disabled = !!why || busy;
      li.dataset.why = why;
      const note = li.querySelector('.why');
      if (note && note.textContent !== words) note.textContent = words;
    }

    ui.confirm.hidden = !reservation || confirmed;
    ui.release.hidden = !reservation || confirmed;
    ui.rsvp.hidden = !token || !drop.earlyAccess || drop.earlyAccess.audience !== 'rsvp'
      || !(drop.phase === 'scheduled' || drop.phase === 'early_access') || body.dataset.rsvp === 'true';

    // Sold out (or closed) ends the wait for good: the stream may say so before the ticket's next poll.
    if (queue && (drop.phase === 'sold_out' || drop.phase === 'closed')) queue = null;
    if (confirmed) setState('confirmed', 'Yours! ' + lastItem + ' is confirmed.');
    else if (reservation) setState('reserved', lastItem + ' is reserved for you: confirm within ' + remaining(reservation.expiresAt) + '.');
    else if (queue) {
      const s = queue.status || {};
      const where = s.position ? 'You are in line, number ' + s.position : 'You are in line';
      const wait = s.estimatedWaitSeconds ? ', about ' + s.estimatedWaitSeconds + ' s' : '';
      // Before the opening (early access without an RSVP, or not started): say when it opens.
      const opens = drop.phase === 'early_access' || drop.phase === 'scheduled' ? new Date(s.opensAt || drop.startsAt) : null;
      const when = opens && opens > new Date() ? ' for the public opening at ' + clock(opens) + ' (in ' + remaining(opens) + ')' + (s.position ? '' : '; places are drawn at the opening') : '';
      setState('queued', where + when + wait + '. Keep this page open.');
    } else if (linkDown) setState('origin-down', 'The shop cannot reach the store right now, so reserving is paused; stock shown may be out of date.');
    else if (drop.phase === 'sold_out') setState('sold-out', 'Sold out.');
    else if (drop.phase === 'closed') setState('closed', 'The drop is closed.');
    else if (!token) setState('signed-out', 'Sign in on the creator\u2019s site to reserve.');
    else if (notOpenUntil && notOpenUntil > new Date()) setState('not-open', 'Not open for you yet: opens for you in ' + remaining(notOpenUntil) + '.');
    else if (drop.phase === 'scheduled' && !['rsvped', 'error'].includes(ui.state.dataset.state)) setState('not-open', 'Not open yet: press Reserve to get in line.');
    else if (ui.state.dataset.state !== 'rsvped' && ui.state.dataset.state !== 'error' && ui.state.dataset.state !== 'expired') setState('idle', 'Pick a size to reserve it.');

    if (focus && !focus.hidden) focus.focus();
  }

  function clock(at) {
    return at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function remaining(until) {
    let seconds = Math.max(0, Math.round((until - new Date()) / 1000));
    const h = Math.floor(seconds / 3600); seconds -= h * 3600;
    const m = Math.floor(seconds / 60); const s = seconds - m * 60;
    const two = (n) => String(n).padStart(2, '0');
    return (h ? h + ':' + two(m) : String(m)) + ':' + two(s);
  }

  function tick() {
    if (drop) {
      const now = new Date();
      const starts = new Date(drop.startsAt);
      const ends = new Date(drop.endsAt);
      const early = drop.earlyAccess ? new Date(drop.earlyAccess.opensAt) : null;
      let words = '';
      if (drop.phase === 'scheduled') words = early && early > now ? 'Early access in ' + remaining(early) : 'Opens in ' + remaining(starts);
      else if (drop.phase === 'early_access') words = 'Opens to everyone in ' + remaining(starts);
      else if (drop.phase === 'open') words = 'Ends in ' + remaining(ends);
      ui.countdown.textContent = words;
      if (reservation && !confirmed) {
        if (reservation.expiresAt <= now) { reservation = null; setState('expired', 'The reservation expired; the unit went back.'); }
        render();
      } else if (notOpenUntil) render();
    }
  }

  // ---- recommendations ------------------------------------------------------------------------
  async function loadRecommendations() {
    if (!token) return;
    // Ask for as many more as were bought, so four remain once they are left out.
    const answer = await call('GET', '/v1/recommendations?creatorId=' + encodeURIComponent(creatorId) + '&k=' + (4 + bought.size));
    if (answer.status !== 200 || !answer.body) return;
    ui.recsList.replaceChildren();
    const items = answer.body.items.filter((item) => !bought.has(item.productId)).slice(0, 4);
    for (const item of items) {
      const product = productById(item.productId);
      const li = document.createElement('li');
      li.dataset.productId = item.productId;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      button.textContent = product ? text(product, '.ec-title') : item.productId;
      button.addEventListener('click', () => { const target = productById(item.productId); if (target) { target.tabIndex = -1; target.scrollIntoView({ block: 'center' }); target.focus(); } });
      li.append(button);
      if (product) li.append(' \u00b7 ' + text(product, '.ec-price'));
      ui.recsList.append(li);
    }
    ui.recsSource.textContent = answer.body.source === 'model' ? 'Ranked for you on this edge.' : 'Popular right now (no personal model yet).';
    ui.recs.hidden = items.length === 0;
    ui.recs.dataset.source = answer.body.source;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  ui.confirm.addEventListener('click', confirmReservation);
  ui.release.addEventListener('click', releaseReservation);
  ui.rsvp.addEventListener('click', rsvp);
  takeTokenFromFragment();
  tellParent('edgecommerce:ready');
  // The edge's link to the origin: while it is down a reservation cannot get stock, so the page
  // says so and disables Reserve instead of answering "busy" on every press.
  async function checkLink() {
    const answer = await call('GET', '/v1/edge/status');
    if (answer.status !== 200 || !answer.body) return;
    const down = !answer.body.connected;
    if (down) {
      const since = Math.round(answer.body.secondsSinceContact || 0);
      ui.link.textContent = 'This edge cannot reach the store (no contact for ' + since + ' s): reserving is paused.';
    } else if (linkDown) ui.link.textContent = 'Live stock from this edge.';
    if (down !== linkDown) { linkDown = down; body.dataset.link = down ? 'down' : 'up'; if (!down && ui.state.dataset.state === 'origin-down') setState('idle', ''); render(); }
  }

  if (window.parent !== window && 'ResizeObserver' in window) new ResizeObserver(reportHeight).observe(document.body);
  loadDrop();
  checkLink();
  setInterval(checkLink, 5000);
  setInterval(tick, 1000);
})();
