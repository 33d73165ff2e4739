// A NymBridge service provider in Node.js: it answers every message with an echo.
//
// The bridge POSTs each inbound message here, signed as the Standard Webhooks specification says; the
// `standardwebhooks` package checks the signature (HMAC-SHA256, constant-time compare, timestamp within
// five minutes) and this handler answers {"message": "echo: <text>"}, which the bridge sends back to the
// anonymous sender as a reply.
//
//   WEBHOOK_SECRET=whsec_... node provider.js [PORT]        # PORT or $PORT, default 8000
"use strict";

const http = require("node:http");
const { Webhook, WebhookVerificationError } = require("standardwebhooks");

const MAX_BODY_BYTES = 64 * 1024 * 1024;

const secret = process.env.WEBHOOK_SECRET;
if (!secret) {
  console.error("Set WEBHOOK_SECRET to the endpoint's secret (whsec_..., printed in the bridge's banner).");
  process.exit(1);
}
const webhook = new Webhook(secret);
const port = Number(process.argv[2] ?? process.env.PORT ?? 8000);

// The reply to one event as [content type, body], or null when there is nothing to answer.
function echoOf(event) {
  if (event?.type !== "message.received") return null;
  const data = event.data ?? {};
  // A plain (non-anonymous) send carries no reply SURBs: nobody to answer.
  if (!data.senderTag) return null;
  if (typeof data.message === "string") {
    return ["application/json", JSON.stringify({ message: `echo: ${data.message}` })];
  }
  // Not UTF-8 text: the payload is only in messageBase64; answer raw bytes, the body is the reply.
  return ["application/octet-stream", Buffer.concat([Buffer.from("echo: "), Buffer.from(data.messageBase64 ?? "", "base64")])];
}

function answer(response, status, body = "", contentType = "application/json") {
  const headers = { "Content-Length": Buffer.byteLength(body) };
  if (body.length > 0) headers["Content-Type"] = contentType;
  response.writeHead(status, headers);
  response.end(body);
}

const server = http.createServer((request, response) => {
  if (request.method !== "POST") return answer(response, 405);
  const chunks = [];
  let size = 0;
  request.on("data", (chunk) => {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      answer(response, 413);
      request.destroy();
      return;
    }
    chunks.push(chunk);
  });
  request.on("end", () => {
    if (response.headersSent) return;
    // Verify the raw body as received: JSON parsed and serialized again is not the signed text.
    const body = Buffer.concat(chunks);
    let event;
    try {
      event = webhook.verify(body, request.headers);
    } catch (error) {
      if (error instanceof WebhookVerificationError) {
        return answer(response, 401, JSON.stringify({ error: "invalid signature" }));
      }
      return answer(response, 400, JSON.stringify({ error: "the body is not JSON" }));
    }
    const reply = echoOf(event);
    if (reply === null) return answer(response, 204);
    answer(response, 200, reply[1], reply[0]);
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`node-echo listening on http://127.0.0.1:${server.address().port}/`);
});
