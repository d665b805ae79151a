//! The MQTT 3.1.1 client the service needs, and no more: one connection (TCP, or TLS with
//! rustls), CONNECT as paho (tcex's client) sends it, QoS 0 subscribe, publish and receive,
//! keep-alive pings, unsubscribe and disconnect.
//!
//! Why not a client crate: tcex authenticates with an **empty user name** and the broker
//! token as password (`username_pw_set('', password=token)`), so paho sets the user-name flag
//! with an empty name. rumqttc (the kept Rust MQTT client) leaves the user-name flag out when
//! the name is empty and sends the password alone, which MQTT 3.1.1 forbids
//! ([MQTT-3.1.2-22]); mosquitto 2.0.11 closes such a connection as a protocol error, and
//! answers paho's form with CONNACK 0 (both tried by hand). The test broker's front
//! (`tests/it/harness.rs`, `token_gate`) accepts only paho's form. The packets below are
//! the protocol's own, small and fixed.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The largest packet accepted (a RunService command carries headers, not bodies).
pub const MAX_PACKET: usize = 1 << 20;

fn string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u16).to_be_bytes());
    out.extend_from_slice(s);
}

fn packet(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![first];
    let mut len = body.len();
    loop {
        let mut b = (len % 128) as u8;
        len /= 128;
        if len > 0 {
            b |= 0x80;
        }
        out.push(b);
        if len == 0 {
            break;
        }
    }
    out.extend_from_slice(body);
    out
}

/// CONNECT with a clean session and an empty client id (the broker assigns one), as tcex;
/// with a token: the user-name flag with an empty name, and the token as password.
pub fn connect_packet(keep_alive: Duration, token: Option<&str>) -> Vec<u8> {
    let mut body = Vec::new();
    string(&mut body, b"MQTT");
    body.push(4);
    body.push(0x02 | if token.is_some() { 0xc0 } else { 0 });
    body.extend_from_slice(&(keep_alive.as_secs().min(u16::MAX as u64) as u16).to_be_bytes());
    string(&mut body, b"");
    if let Some(t) = token {
        string(&mut body, b"");
        string(&mut body, t.as_bytes());
    }
    packet(0x10, &body)
}

pub fn subscribe_packet(id: u16, topic: &str) -> Vec<u8> {
    let mut body = id.to_be_bytes().to_vec();
    string(&mut body, topic.as_bytes());
    body.push(0);
    packet(0x82, &body)
}

pub fn unsubscribe_packet(id: u16, topic: &str) -> Vec<u8> {
    let mut body = id.to_be_bytes().to_vec();
    string(&mut body, topic.as_bytes());
    packet(0xa2, &body)
}

pub fn publish_packet(topic: &str, payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(topic.len() + payload.len() + 2);
    string(&mut body, topic.as_bytes());
    body.extend_from_slice(payload);
    packet(0x30, &body)
}

pub const PINGREQ: [u8; 2] = [0xc0, 0];
pub const DISCONNECT: [u8; 2] = [0xe0, 0];

/// A packet read from the broker.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming {
    ConnAck(u8),
    Publish { topic: String, payload: Vec<u8>, ack: Option<u16> },
    SubAck(Vec<u8>),
    Other(u8),
}

/// The first whole packet in `buf` (taken out of it), `Ok(None)` while it is incomplete.
pub fn parse(buf: &mut Vec<u8>) -> Result<Option<Incoming>, String> {
    let Some(&first) = buf.first() else { return Ok(None) };
    let (mut len, mut shift, mut i) = (0usize, 0, 1);
    loop {
        let Some(&b) = buf.get(i) else { return Ok(None) };
        len |= ((b & 0x7f) as usize) << shift;
        i += 1;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 21 {
            return Err("a malformed packet length from the broker".into());
        }
    }
    if len > MAX_PACKET {
        return Err(format!("a {len}-byte packet from the broker is over the limit"));
    }
    if buf.len() < i + len {
        return Ok(None);
    }
    let body: Vec<u8> = buf[i..i + len].to_vec();
    buf.drain(..i + len);
    let bad = || "a malformed packet from the broker".to_string();
    Ok(Some(match first >> 4 {
        2 => Incoming::ConnAck(*body.get(1).ok_or_else(bad)?),
        3 => {
            let n = u16::from_be_bytes([*body.first().ok_or_else(bad)?, *body.get(1).ok_or_else(bad)?]) as usize;
            let topic = String::from_utf8(body.get(2..2 + n).ok_or_else(bad)?.to_vec()).map_err(|_| bad())?;
            let mut at = 2 + n;
            let ack = if (first >> 1) & 3 > 0 {
                let id = u16::from_be_bytes([*body.get(at).ok_or_else(bad)?, *body.get(at + 1).ok_or_else(bad)?]);
                at += 2;
                Some(id)
            } else {
                None
            };
            Incoming::Publish { topic, payload: body[at..].to_vec(), ack }
        }
        9 => Incoming::SubAck(body.get(2..).unwrap_or_default().to_vec()),
        t => Incoming::Other(t),
    }))
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &s.sock,
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// One connection to the broker.
pub struct Connection {
    stream: Stream,
    buf: Vec<u8>,
    keep_alive: Duration,
    last_sent: Instant,
    last_heard: Instant,
    next_id: u16,
}

fn idle(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

impl Connection {
    /// TCP (then TLS when `tls` is given), CONNECT, and the broker's CONNACK within `timeout`.
    pub fn open(
        host: &str,
        port: u16,
        tls: Option<Arc<rustls::ClientConfig>>,
        token: Option<&str>,
        keep_alive: Duration,
        timeout: Duration,
    ) -> Result<Connection, String> {
        use std::net::ToSocketAddrs;
        let addrs: Vec<_> = (host, port).to_socket_addrs().map_err(|e| format!("cannot resolve {host} ({})", e.kind()))?.collect();
        let tcp = addrs.iter().find_map(|a| TcpStream::connect_timeout(a, timeout).ok()).ok_or_else(|| format!("cannot connect to {host}:{port}"))?;
        let _ = tcp.set_nodelay(true);
        tcp.set_read_timeout(Some(timeout)).map_err(|e| e.to_string())?;
        let stream = match tls {
            None => Stream::Plain(tcp),
            Some(cfg) => {
                let name = rustls::pki_types::ServerName::try_from(host.to_string()).map_err(|_| format!("{host} is not a name TLS can verify"))?;
                let conn = rustls::ClientConnection::new(cfg, name).map_err(|e| format!("TLS: {e}"))?;
                Stream::Tls(Box::new(rustls::StreamOwned::new(conn, tcp)))
            }
        };
        let now = Instant::now();
        let mut c = Connection { stream, buf: Vec::new(), keep_alive, last_sent: now, last_heard: now, next_id: 1 };
        c.send(&connect_packet(keep_alive, token)).map_err(|e| format!("broker connection: {e}"))?;
        let deadline = Instant::now() + timeout;
        loop {
            match c.poll().map_err(|e| format!("broker connection: {e}"))? {
                Some(Incoming::ConnAck(0)) => break,
                Some(Incoming::ConnAck(5)) | Some(Incoming::ConnAck(4)) => return Err("the broker refused the token (not authorized)".into()),
                Some(Incoming::ConnAck(rc)) => return Err(format!("the broker refused the connection (CONNACK {rc})")),
                _ if Instant::now() > deadline => return Err("the broker did not answer CONNECT".into()),
                _ => {}
            }
        }
        c.stream.tcp().set_read_timeout(Some(Duration::from_millis(20))).map_err(|e| e.to_string())?;
        Ok(c)
    }

    pub fn send(&mut self, packet: &[u8]) -> Result<(), String> {
        self.stream.write_all(packet).and_then(|_| self.stream.flush()).map_err(|e| format!("write: {}", e.kind()))?;
        self.last_sent = Instant::now();
        Ok(())
    }

    fn id(&mut self) -> u16 {
        self.next_id = self.next_id.checked_add(1).unwrap_or(1);
        self.next_id
    }

    pub fn subscribe(&mut self, topic: &str) -> Result<(), String> {
        let id = self.id();
        self.send(&subscribe_packet(id, topic))
    }

    pub fn unsubscribe(&mut self, topic: &str) -> Result<(), String> {
        let id = self.id();
        self.send(&unsubscribe_packet(id, topic))
    }

    /// The next packet, `None` when none arrived within the read timeout; pings the broker
    /// when nothing was sent for half the keep-alive, and calls the connection lost when
    /// nothing was heard for one and a half.
    pub fn poll(&mut self) -> Result<Option<Incoming>, String> {
        if let Some(p) = parse(&mut self.buf)? {
            self.last_heard = Instant::now();
            if let Incoming::Publish { ack: Some(id), .. } = &p {
                let ack = [0x40, 0x02, (id >> 8) as u8, *id as u8];
                self.send(&ack)?;
            }
            return Ok(Some(p));
        }
        if self.last_sent.elapsed() >= self.keep_alive / 2 {
            self.send(&PINGREQ)?;
        }
        if self.last_heard.elapsed() > self.keep_alive * 3 / 2 {
            return Err("the broker stopped answering (keep-alive)".into());
        }
        let mut chunk = [0u8; 16 * 1024];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err("the broker closed the connection".into()),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                self.last_heard = Instant::now();
                Ok(parse(&mut self.buf)?)
            }
            Err(e) if idle(&e) => Ok(None),
            Err(e) => Err(format!("read: {}", e.kind())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_with_a_token_is_pahos() {
        // MQTT 3.1.1 section 3.1, written out by hand: protocol name, level 4, flags
        // user name + password + clean session, keep-alive 60, client id '', user name '',
        // password 'tok' (what paho sends for tcex's username_pw_set('', token)).
        let expected: Vec<u8> = vec![0x10, 19, 0, 4, b'M', b'Q', b'T', b'T', 4, 0xc2, 0, 60, 0, 0, 0, 0, 0, 3, b't', b'o', b'k'];
        assert_eq!(connect_packet(Duration::from_secs(60), Some("tok")), expected);
        assert_eq!(connect_packet(Duration::from_secs(60), None), vec![0x10, 12, 0, 4, b'M', b'Q', b'T', b'T', 4, 0x02, 0, 60, 0, 0]);
    }

    #[test]
    fn packets_round_trip_and_lengths_span_bytes() {
        let payload = vec![b'x'; 300];
        let mut buf = publish_packet("svc-server", &payload);
        assert_eq!(&buf[..3], &[0x30, 0xb8, 0x02]); // 2 + 10 + 300 = 312 = 56 + 2 * 128: 56 | 0x80, then 2
        buf.extend_from_slice(&[0x20, 0x02, 0x00, 0x05]);
        assert_eq!(parse(&mut buf), Ok(Some(Incoming::Publish { topic: "svc-server".into(), payload, ack: None })));
        assert_eq!(parse(&mut buf), Ok(Some(Incoming::ConnAck(5))));
        assert_eq!(parse(&mut buf), Ok(None));
        let mut partial = publish_packet("t", b"abc");
        partial.pop();
        assert_eq!(parse(&mut partial), Ok(None));
        let mut huge = vec![0x30, 0xff, 0xff, 0xff, 0x7f];
        assert!(parse(&mut huge).is_err());
        assert_eq!(subscribe_packet(7, "t"), vec![0x82, 6, 0, 7, 0, 1, b't', 0]);
    }
}
