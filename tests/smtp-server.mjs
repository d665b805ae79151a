// A real SMTP server on loopback for crates/pivot-share/tests/it/mail.rs (npm smtp-server, the one
// nodemailer's authors maintain): TLS required (implicit TLS, or STARTTLS before
// anything else), AUTH PLAIN/LOGIN required, the test certificate from
// tests/fixtures/tls (signed by the test CA there).
//
//   node tests/smtp-server.mjs tls|starttls OUT_DIR USER PASSWORD
//
// Prints "listening on PORT" once ready; writes each accepted message to OUT_DIR as
// N.json: {user, secure, from, to, data}. Stops when its standard input closes.
import { SMTPServer } from 'smtp-server';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const [mode, outDir, user, password] = process.argv.slice(2);
if (!['tls', 'starttls'].includes(mode) || !outDir || !user || !password) {
  console.error('usage: smtp-server.mjs tls|starttls OUT_DIR USER PASSWORD');
  process.exit(2);
}
const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'tls');
let count = 0;
const server = new SMTPServer({
  secure: mode === 'tls',
  key: readFileSync(join(fixtures, 'server.key')),
  cert: readFileSync(join(fixtures, 'server.pem')),
  authMethods: ['PLAIN', 'LOGIN'],
  authOptional: false,
  allowInsecureAuth: false,
  disabledCommands: [],
  logger: false,
  onAuth(auth, session, cb) {
    if (!session.secure) return cb(new Error('TLS first'));
    if (auth.username === user && auth.password === password) return cb(null, { user: auth.username });
    const e = new Error('Invalid username or password');
    e.responseCode = 535;
    return cb(e);
  },
  onMailFrom(address, session, cb) {
    if (!session.secure) {
      const e = new Error('Must issue a STARTTLS command first');
      e.responseCode = 530;
      return cb(e);
    }
    return cb();
  },
  onData(stream, session, cb) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      count += 1;
      writeFileSync(join(outDir, `${count}.json`), JSON.stringify({
        user: session.user,
        secure: session.secure,
        from: session.envelope.mailFrom && session.envelope.mailFrom.address,
        to: session.envelope.rcptTo.map((r) => r.address),
        data: Buffer.concat(chunks).toString('utf8'),
      }));
      cb();
    });
  },
});
server.on('error', (e) => console.error('smtp-server:', e.message));
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on ${server.server.address().port}`);
});
process.stdin.resume();
process.stdin.on('end', () => server.close(() => process.exit(0)));
