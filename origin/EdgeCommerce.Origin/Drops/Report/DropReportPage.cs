using System.Text;
using EdgeCommerce.Contracts;

namespace EdgeCommerce.Origin.Drops.Report;

/// <summary>
/// The creator's report as a page: <c>/admin/creators/{creatorId}/drops/{dropId}</c>.
/// The page itself holds no data and needs no token; its script takes an <c>admin:drops</c> token
/// from the <c>#token=</c> fragment (as the shop takes a viewer token: never sent to the server in
/// the URL, removed from the address bar at once) and reads the report and the sales through the
/// admin API, which checks scope and tenancy. Strict CSP: own script and style only.
/// </summary>
internal static class DropReportPage
{
    private const string Csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapDropReportPage(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/admin/creators/{creatorId}/drops/{dropId}", Page).ExcludeFromDescription();
        endpoints.MapGet("/admin/assets/drop-report.js", (HttpContext context) => Asset(context, Script, "text/javascript; charset=utf-8")).ExcludeFromDescription();
        endpoints.MapGet("/admin/assets/drop-report.css", (HttpContext context) => Asset(context, Style, "text/css; charset=utf-8")).ExcludeFromDescription();
        return endpoints;
    }

    private static IResult Page(string creatorId, string dropId, HttpContext context)
    {
        if (!Identifiers.IsValid(creatorId) || !Identifiers.IsValid(dropId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such drop.");
        }

        Secure(context);
        // Ids match the identifier grammar (letters, digits, '-', '_', '.'): safe in an attribute as they are.
        var html = Html.Replace("{creatorId}", creatorId, StringComparison.Ordinal).Replace("{dropId}", dropId, StringComparison.Ordinal);
        return TypedResults.Text(html, "text/html; charset=utf-8", Encoding.UTF8);
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult Asset(HttpContext context, string text, string contentType)
    {
        Secure(context);
        return TypedResults.Text(text, contentType, Encoding.UTF8);
    }

    private static void Secure(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Csp;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
    }

    private const string Html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Drop report</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/admin/assets/drop-report.css">
        </head>
        <body data-creator="{creatorId}" data-drop="{dropId}" data-state="loading">
        <header><h1>Drop <span id="drop">{dropId}</span></h1><p id="summary">Loading…</p></header>
        <p id="signin" hidden>Open this page with <code>#token=</code> and an <code>admin:drops</code> token of this creator.</p>
        <main id="report" hidden>
          <section><h2>Funnel</h2><svg id="funnel" role="img" aria-label="Funnel" viewBox="0 0 640 230"></svg><p id="conversion"></p></section>
          <section><h2>Sales over time</h2><svg id="sales" role="img" aria-label="Units sold over time" viewBox="0 0 640 200"></svg></section>
          <section><h2>Per SKU</h2>
            <table id="skus"><thead><tr><th>SKU</th><th>Allocation</th><th>Sold</th><th>Revenue</th><th>Unit cost</th><th>Margin</th></tr></thead><tbody></tbody><tfoot></tfoot></table>
          </section>
          <section><h2>Operations</h2><dl id="ops"></dl></section>
        </main>
        <script src="/admin/assets/drop-report.js"></script>
        </body>
        </html>
        """;

    private const string Style = """
        body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 720px; padding: 0 1rem; color: #1d1d1f; }
        h1 { font-size: 1.5rem; margin: 0; } h2 { font-size: 1.05rem; margin: 1.6rem 0 .5rem; }
        #summary { color: #555; margin: .2rem 0 0; }
        svg { width: 100%; height: auto; background: #fafafa; border-radius: 6px; }
        .bar { fill: #3d6fd9; } .label { font-size: 12px; fill: #333; } .value { font-size: 12px; fill: #fff; font-weight: 600; }
        .line { fill: none; stroke: #3d6fd9; stroke-width: 2; } .axis { stroke: #bbb; }
        table { border-collapse: collapse; width: 100%; } th, td { padding: .35rem .5rem; text-align: right; border-bottom: 1px solid #e5e5e5; }
        th:first-child, td:first-child { text-align: left; } tfoot td { font-weight: 600; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; } dt { color: #555; } dd { margin: 0; }
        """;

    // The figures come from the report as the API gives them; this script only draws them, so the
    // page shows the same definitions as the API and the CLI (docs/drop-report.md).
    // The currencies whose minor units are not 2 come from the one table (Iso4217).
    private static readonly string Script = ScriptTemplate.Replace("MINOR_UNITS", Iso4217.NonDecimalJson, StringComparison.Ordinal);

    private const string ScriptTemplate = """
        'use strict';
        (() => {
          const body = document.body;
          const creator = body.dataset.creator, drop = body.dataset.drop;
          const $ = (id) => document.getElementById(id);
          const svgNs = 'http://www.w3.org/2000/svg';
          let token = null;
          const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
          if (match) {
            history.replaceState(null, '', location.pathname + location.search);
            token = decodeURIComponent(match[1]);
          }
          if (!token) { $('signin').hidden = false; $('summary').textContent = 'Not signed in.'; body.dataset.state = 'signed-out'; return; }

          const get = async (path) => {
            const response = await fetch(path, { headers: { Authorization: 'Bearer ' + token }, cache: 'no-store' });
            if (!response.ok) throw new Error(response.status === 404 ? 'No such drop for this token.' : 'The origin answered ' + response.status + '.');
            return response.json();
          };
          const base = '/admin/v1/creators/' + encodeURIComponent(creator) + '/drops/' + encodeURIComponent(drop);
          const minorUnits = new Map(Object.entries(MINOR_UNITS));
          const digits = (currency) => minorUnits.get(currency) ?? 2;
          const money = (minor, currency) => minor === null || minor === undefined ? '—'
            : (minor / Math.pow(10, digits(currency))).toLocaleString('en', { minimumFractionDigits: digits(currency), maximumFractionDigits: digits(currency) }) + (currency ? ' ' + currency : '');
          const pct = (ratio) => ratio === null ? '—' : (ratio * 100).toFixed(1) + '%';
          const el = (tag, attrs, text) => {
            const node = document.createElementNS(svgNs, tag);
            for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
            if (text !== undefined) node.textContent = text;
            return node;
          };

          function drawFunnel(funnel) {
            const steps = ['rsvps', 'queued', 'admitted', 'reserved', 'paid', 'released', 'expired'];
            const svg = $('funnel');
            const max = Math.max(1, ...steps.map((s) => funnel[s]));
            steps.forEach((step, i) => {
              const y = 8 + i * 31, width = Math.max(2, 480 * funnel[step] / max);
              svg.append(el('text', { x: 8, y: y + 17, class: 'label' }, step));
              const bar = el('rect', { x: 100, y, width, height: 24, rx: 3, class: 'bar', 'data-step': step, 'data-value': funnel[step] });
              svg.append(bar);
              svg.append(el('text', { x: 100 + width + 6, y: y + 17, class: 'label' }, String(funnel[step])));
            });
          }

          function drawSales(sales, report) {
            const svg = $('sales');
            const standing = sales.filter((s) => !s.cancelledAt);
            const start = new Date(report.startsAt).getTime();
            const times = standing.map((s) => new Date(s.confirmedAt).getTime());
            const end = Math.max(start + 60000, ...times);
            const from = Math.min(start, ...times);
            const total = standing.reduce((n, s) => n + s.quantity, 0);
            svg.append(el('line', { x1: 40, y1: 170, x2: 620, y2: 170, class: 'axis' }));
            svg.append(el('line', { x1: 40, y1: 10, x2: 40, y2: 170, class: 'axis' }));
            svg.append(el('text', { x: 4, y: 20, class: 'label' }, String(total)));
            svg.append(el('text', { x: 40, y: 190, class: 'label' }, new Date(from).toISOString().slice(11, 16) + ' UTC'));
            svg.append(el('text', { x: 560, y: 190, class: 'label' }, new Date(end).toISOString().slice(11, 16) + ' UTC'));
            let units = 0;
            const x = (t) => 40 + 580 * (t - from) / Math.max(1, end - from);
            const y = (u) => 170 - 160 * u / Math.max(1, total);
            let path = 'M' + x(from) + ',' + y(0);
            for (const sale of standing) {
              const t = new Date(sale.confirmedAt).getTime();
              path += ' L' + x(t) + ',' + y(units);
              units += sale.quantity;
              path += ' L' + x(t) + ',' + y(units);
            }
            svg.append(el('path', { d: path, class: 'line', 'data-units': units }));
          }

          function fillTable(report) {
            const rows = $('skus').tBodies[0];
            for (const sku of report.skus) {
              const tr = rows.insertRow();
              tr.dataset.sku = sku.skuId;
              for (const cell of [sku.skuId, sku.allocation, sku.sold, money(sku.revenueMinor, sku.currency), money(sku.unitCostMinor, sku.currency), money(sku.marginMinor, sku.currency)]) {
                tr.insertCell().textContent = String(cell);
              }
            }
            const t = report.totals;
            const foot = $('skus').tFoot.insertRow();
            for (const cell of ['Total', '', t.units, money(t.revenueMinor, t.currency), '', money(t.marginMinor, t.currency)]) foot.insertCell().textContent = String(cell);
          }

          function fillOps(report) {
            const ops = $('ops');
            const add = (term, value) => { const dt = document.createElement('dt'); dt.textContent = term; const dd = document.createElement('dd'); dd.textContent = value; ops.append(dt, dd); };
            const exceptions = Object.entries(report.exceptions).filter(([, n]) => n > 0).map(([k, n]) => k + ' ' + n).join(', ');
            add('Orders', String(report.totals.orders));
            add('Exceptions', (report.exceptionsPer1000Orders === null ? '—' : report.exceptionsPer1000Orders.toFixed(1) + ' per 1,000 orders') + (exceptions ? ' (' + exceptions + ')' : ''));
            add('Edge P95', 'reserve ' + (report.edgeP95Ms.reserve ?? '—') + ' ms, confirm ' + (report.edgeP95Ms.confirm ?? '—') + ' ms');
            add('Repeat buyers', report.repeat.repeatBuyers + ' of ' + report.repeat.buyers + (report.repeat.medianDaysToFirstRepeat === null ? '' : ', median ' + report.repeat.medianDaysToFirstRepeat + ' days to the first repeat'));
          }

          (async () => {
            try {
              const [report, sales] = await Promise.all([get(base + '/report'), get(base + '/sales')]);
              $('summary').textContent = report.phase.replace('_', ' ') + ' · ' + report.funnel.paid + ' paid · RSVP → paid ' + pct(report.conversion.rsvpToPaid)
                + ' · reserved → paid ' + pct(report.conversion.reservedToPaid)
                + (report.soldOutAfterSeconds === null ? '' : ' · sold out after ' + report.soldOutAfterSeconds.toFixed(1) + ' s');
              $('conversion').textContent = 'RSVP → paid ' + pct(report.conversion.rsvpToPaid) + ', reserved → paid ' + pct(report.conversion.reservedToPaid);
              drawFunnel(report.funnel);
              drawSales(sales.sales, report);
              fillTable(report);
              fillOps(report);
              $('report').hidden = false;
              body.dataset.state = 'ready';
            } catch (error) {
              $('summary').textContent = error.message;
              body.dataset.state = 'error';
            }
          })();
        })();
        """;
}
