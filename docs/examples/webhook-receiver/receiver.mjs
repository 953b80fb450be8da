import http from "node:http";
import { Webhook } from "standardwebhooks";

const wh = new Webhook(process.env.WEBHOOK_SECRET); // the whsec_… printed by `webhooks put`
const seen = new Set();
http.createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8"); // whole characters per chunk: the signature covers the exact body
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    try {
      const event = wh.verify(body, req.headers); // throws on a bad signature or an old timestamp
      const id = req.headers["webhook-id"];
      if (!seen.has(id)) {
        seen.add(id);
        // Your follow-up goes here. drop.closed carries data.headline: paid, revenue, margin…
        console.log(id, event.type, JSON.stringify(event.data));
      }
      res.writeHead(204).end();
    } catch {
      res.writeHead(400).end();
    }
  });
}).listen(Number(process.env.PORT ?? 8080), "127.0.0.1");
