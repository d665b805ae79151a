// HTTPS in front of a local HTTP server, with the test certificate in tests/fixtures/tls
// (signed by the test CA there), for crates/pivot-share/tests/it/job.rs: a source API "behind an internal CA".
//
//   node tests/tls-front.mjs UPSTREAM_PORT
//
// Prints "listening on PORT"; stops when its standard input closes.
import https from 'node:https';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const upstream = Number(process.argv[2]);
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tls');
const server = https.createServer({
  key: readFileSync(join(fixtures, 'server.key')),
  cert: readFileSync(join(fixtures, 'server.pem')),
}, (req, res) => {
  const up = http.request({ host: '127.0.0.1', port: upstream, path: req.url, method: req.method, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode, r.headers);
    r.pipe(res);
  });
  up.on('error', () => { res.writeHead(502); res.end(); });
  req.pipe(up);
});
server.listen(0, '127.0.0.1', () => console.log(`listening on ${server.address().port}`));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
