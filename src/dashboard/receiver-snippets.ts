/**
 * Signature checks for receivers, as the receiver help shows them. Each one reads the secret from
 * POSTION_WEBHOOK_SECRET and listens on PORT, so that a test can run it against real deliveries.
 */

/** A receiver snippet: its language, how to run it, and the code. */
export interface ReceiverSnippet {
  id: string;
  language: string;
  run: string;
  code: string;
}

const NODE = `// npm install express
const crypto = require('node:crypto');
const express = require('express');

// The whole secret string, whsec_ prefix included, as the dashboard shows it.
const secret = process.env.POSTION_WEBHOOK_SECRET;

function hasValidSignature(rawBody, signature) {
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest();
  const received = Buffer.from(String(signature ?? ''), 'hex');
  // timingSafeEqual throws on different lengths, so compare those first.
  return received.length === expected.length && crypto.timingSafeEqual(received, expected);
}

const app = express();

// express.raw keeps the body as the bytes that were signed; parse JSON only after the check.
app.post('/webhooks/postion', express.raw({ type: 'application/json' }), (req, res) => {
  if (!hasValidSignature(req.body, req.get('x-postion-signature'))) {
    return res.status(401).send('invalid signature');
  }
  const event = JSON.parse(req.body.toString('utf8'));
  console.log('received', event.event, event.id);
  res.sendStatus(204);
});

app.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? '0.0.0.0');
`;

const NODE_STANDARD = `// npm install express standardwebhooks
const express = require('express');
const { Webhook } = require('standardwebhooks');

// The library takes the whsec_ string as it is and decodes the base64 part itself.
const webhook = new Webhook(process.env.POSTION_WEBHOOK_SECRET);

const app = express();

app.post('/webhooks/postion', express.raw({ type: 'application/json' }), (req, res) => {
  let event;
  try {
    // Checks webhook-signature and rejects a webhook-timestamp more than 5 minutes away.
    event = webhook.verify(req.body, req.headers);
  } catch {
    return res.status(401).send('invalid signature');
  }
  console.log('received', event.event, event.id);
  res.sendStatus(204);
});

app.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? '0.0.0.0');
`;

const PYTHON = `# Python 3, standard library only
import hashlib
import hmac
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

# The whole secret string, whsec_ prefix included, as UTF-8 bytes.
SECRET = os.environ["POSTION_WEBHOOK_SECRET"].encode("utf-8")


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        raw_body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        expected = hmac.new(SECRET, raw_body, hashlib.sha256).hexdigest()
        received = self.headers.get("X-Postion-Signature", "")
        if not hmac.compare_digest(expected, received):
            self.send_response(401)
            self.end_headers()
            return
        event = json.loads(raw_body)
        print("received", event["event"], event["id"], flush=True)
        self.send_response(204)
        self.end_headers()


HTTPServer((os.environ.get("HOST", "0.0.0.0"), int(os.environ.get("PORT", "4000"))), Receiver).serve_forever()
`;

const GO = `// Go, standard library only
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"os"
)

func main() {
	// The whole secret string, whsec_ prefix included.
	secret := []byte(os.Getenv("POSTION_WEBHOOK_SECRET"))

	http.HandleFunc("/webhooks/postion", func(w http.ResponseWriter, r *http.Request) {
		rawBody, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "unreadable body", http.StatusBadRequest)
			return
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write(rawBody)
		received, err := hex.DecodeString(r.Header.Get("X-Postion-Signature"))
		if err != nil || !hmac.Equal(received, mac.Sum(nil)) {
			http.Error(w, "invalid signature", http.StatusUnauthorized)
			return
		}
		log.Printf("received %s", r.Header.Get("X-Postion-Event-Type"))
		w.WriteHeader(http.StatusNoContent)
	})

	port := os.Getenv("PORT")
	if port == "" {
		port = "4000"
	}
	log.Fatal(http.ListenAndServe(os.Getenv("HOST")+":"+port, nil))
}
`;

const RUBY = `# gem install sinatra
require 'json'
require 'openssl'
require 'sinatra'

# The whole secret string, whsec_ prefix included.
SECRET = ENV.fetch('POSTION_WEBHOOK_SECRET')

post '/webhooks/postion' do
  raw_body = request.body.read
  expected = OpenSSL::HMAC.hexdigest('SHA256', SECRET, raw_body)
  received = request.env['HTTP_X_POSTION_SIGNATURE'].to_s
  halt 401, 'invalid signature' unless Rack::Utils.secure_compare(expected, received)

  event = JSON.parse(raw_body)
  puts "received #{event['event']} #{event['id']}"
  status 204
end
`;

/** The snippets in the order the receiver help offers them. */
export const RECEIVER_SNIPPETS: ReceiverSnippet[] = [
  { id: 'node', language: 'Node.js', run: 'node receiver.js', code: NODE },
  {
    id: 'node-standard',
    language: 'Node.js (Standard Webhooks)',
    run: 'node receiver.js',
    code: NODE_STANDARD,
  },
  { id: 'python', language: 'Python', run: 'python3 receiver.py', code: PYTHON },
  { id: 'go', language: 'Go', run: 'go run receiver.go', code: GO },
  { id: 'ruby', language: 'Ruby', run: 'ruby receiver.rb', code: RUBY },
];
