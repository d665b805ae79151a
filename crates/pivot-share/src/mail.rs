//! Notifications by mail, through lettre (SMTP over rustls: no OpenSSL). Plain SMTP to a
//! local relay, STARTTLS (`--smtp-tls starttls`, TLS required) or implicit TLS
//! (`--smtp-tls tls`, usually port 465); AUTH with `--smtp-user` and a password from
//! the environment or a file, only over TLS; `--smtp-ca-file` for a relay whose
//! certificate an internal CA signed. The MIME structure (boundaries, encodings,
//! RFC 2047 headers) is lettre's.

use crate::cli::{given, NotifyArgs, Usage};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};
use pivot_text::escape::escape_controls;
use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum NotifyOn {
    Success,
    Failure,
    Always,
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub enum SmtpTls {
    None,
    StartTls,
    Implicit,
}

pub struct Notify {
    pub to: Mailbox,
    pub on: NotifyOn,
    pub attach_log: bool,
    pub host: String,
    pub port: u16,
    pub from: Mailbox,
    pub tls: SmtpTls,
    /// user and password
    pub auth: Option<(String, String)>,
    pub ca_pem: Option<Vec<u8>>,
}

impl Notify {
    pub fn wanted(&self, ok: bool) -> bool {
        match self.on {
            NotifyOn::Always => true,
            NotifyOn::Success => ok,
            NotifyOn::Failure => !ok,
        }
    }
}

/// One address, no display name, nothing that could end a header.
fn address(flag: &str, a: &str) -> Result<Mailbox, Usage> {
    let a = a.trim();
    let plain = a.contains('@') && !a.chars().any(|c| c.is_control() || c == '<' || c == '>' || c.is_whitespace()) && a.len() < 255;
    match a.parse::<Mailbox>() {
        Ok(m) if plain => Ok(m),
        _ => Err(Usage(format!("--{flag}: {a:?} is not an email address"))),
    }
}

/// The notification settings, checked before anything runs.
pub fn notify(n: &NotifyArgs) -> Result<Option<Notify>, Usage> {
    let Some(to) = given(&n.notify_email) else {
        let set = [
            ("notify-on", n.notify_on.is_some()),
            ("attach-log", n.attach_log),
            ("smtp-host", n.smtp_host.is_some()),
            ("smtp-port", n.smtp_port.is_some()),
            ("smtp-from", n.smtp_from.is_some()),
            ("smtp-tls", n.smtp_tls.is_some()),
            ("smtp-user", n.smtp_user.is_some()),
            ("smtp-ca-file", n.smtp_ca_file.is_some()),
        ];
        if let Some((k, _)) = set.iter().find(|(_, s)| *s) {
            return Err(Usage(format!("--{k} needs --notify-email")));
        }
        return Ok(None);
    };
    let to = address("notify-email", &to)?;
    let on = match given(&n.notify_on).unwrap_or_else(|| "failure".into()).to_ascii_lowercase().as_str() {
        "success" => NotifyOn::Success,
        "failure" => NotifyOn::Failure,
        "always" => NotifyOn::Always,
        other => return Err(Usage(format!("--notify-on: {other:?} is not success, failure or always"))),
    };
    let tls = match given(&n.smtp_tls).unwrap_or_else(|| "none".into()).to_ascii_lowercase().as_str() {
        "none" | "plain" => SmtpTls::None,
        "starttls" => SmtpTls::StartTls,
        "tls" | "implicit" | "smtps" => SmtpTls::Implicit,
        other => return Err(Usage(format!("--smtp-tls: {other:?} is not none, starttls or tls"))),
    };
    let port = match given(&n.smtp_port) {
        Some(p) => p.parse::<u16>().ok().filter(|p| *p > 0).ok_or_else(|| Usage(format!("--smtp-port: {p:?} is not a port")))?,
        None if tls == SmtpTls::Implicit => 465,
        None => 25,
    };
    let from = address("smtp-from", &given(&n.smtp_from).unwrap_or_else(|| "pivot-share@localhost".into()))?;
    let host = given(&n.smtp_host).unwrap_or_else(|| "127.0.0.1".into());
    if host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Usage("--smtp-host is not a host name".into()));
    }
    let auth = match given(&n.smtp_user) {
        None => None,
        Some(_) if tls == SmtpTls::None => {
            return Err(Usage("--smtp-user: the password would cross the network in clear; add --smtp-tls starttls or tls".into()))
        }
        Some(user) => {
            let password = match given(&n.smtp_password_file) {
                Some(f) => std::fs::read_to_string(&f).map_err(|e| Usage(format!("cannot read the SMTP password file {f}: {e}")))?,
                None => std::env::var("PIVOT_SMTP_PASSWORD").unwrap_or_default(),
            };
            let password = password.trim_end_matches(['\r', '\n']).to_string();
            if password.is_empty() {
                return Err(Usage("--smtp-user: the password is missing: set PIVOT_SMTP_PASSWORD or --smtp-password-file".into()));
            }
            Some((user, password))
        }
    };
    let ca_pem = match given(&n.smtp_ca_file) {
        None => None,
        Some(_) if tls == SmtpTls::None => return Err(Usage("--smtp-ca-file needs --smtp-tls starttls or tls".into())),
        Some(f) => {
            let pem = std::fs::read(&f).map_err(|e| Usage(format!("cannot read the SMTP CA file {f}: {e}")))?;
            crate::net::pem_certificates(&pem).map_err(|e| Usage(format!("--smtp-ca-file {f}: {e}")))?;
            Some(pem)
        }
    };
    Ok(Some(Notify { to, on, attach_log: n.attach_log, host, port, from, tls, auth, ca_pem }))
}

/// The message: the summary as text, the log (when given) as a base64 attachment.
/// The subject is escaped, not stripped: no header can be split, nothing is hidden.
pub fn message(n: &Notify, subject: &str, body: &str, log: Option<&str>) -> Result<Message, String> {
    let b = Message::builder().from(n.from.clone()).to(n.to.clone()).subject(escape_controls(subject).into_owned());
    let text = SinglePart::plain(body.replace('\r', ""));
    let m = match log {
        None => b.singlepart(text),
        Some(log) => {
            let body = Body::new_with_encoding(log.replace('\r', ""), ContentTransferEncoding::Base64)
                .map_err(|_| "the log cannot be attached".to_string())?;
            let file = Attachment::new("pivot-share.log".into()).body(body, ContentType::TEXT_PLAIN);
            b.multipart(MultiPart::mixed().singlepart(text).singlepart(file))
        }
    };
    m.map_err(|e| e.to_string())
}

pub fn send(n: &Notify, subject: &str, body: &str, log: Option<&str>) -> Result<(), String> {
    let msg = message(n, subject, body, log)?;
    let params = || -> Result<TlsParameters, String> {
        let mut p = TlsParameters::builder(n.host.clone());
        if let Some(pem) = &n.ca_pem {
            p = p.add_root_certificate(Certificate::from_pem(pem).map_err(|e| e.to_string())?);
        }
        p.build_rustls().map_err(|e| e.to_string())
    };
    let tls = match n.tls {
        SmtpTls::None => Tls::None,
        SmtpTls::StartTls => Tls::Required(params()?),
        SmtpTls::Implicit => Tls::Wrapper(params()?),
    };
    let mut t = SmtpTransport::builder_dangerous(&n.host).port(n.port).tls(tls).timeout(Some(Duration::from_secs(30)));
    if let Some((user, password)) = &n.auth {
        t = t.credentials(Credentials::new(user.clone(), password.clone()));
    }
    // lettre's errors name the step (and never the password).
    t.build().send(&msg).map(|_| ()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(to: &str) -> NotifyArgs {
        NotifyArgs {
            notify_email: Some(to.into()),
            notify_on: None,
            attach_log: false,
            smtp_host: None,
            smtp_port: None,
            smtp_from: None,
            smtp_tls: None,
            smtp_user: None,
            smtp_password_file: None,
            smtp_ca_file: None,
        }
    }

    #[test]
    fn settings() {
        let n = notify(&args("soc@example.org")).ok().flatten().unwrap();
        assert_eq!((n.port, n.tls, n.on, n.host.as_str()), (25, SmtpTls::None, NotifyOn::Failure, "127.0.0.1"));
        let mut a = args("soc@example.org");
        a.smtp_tls = Some("TLS".into());
        assert_eq!(notify(&a).ok().flatten().unwrap().port, 465);
        a.smtp_tls = Some("none".into());
        a.smtp_user = Some("u".into());
        assert!(notify(&a).is_err(), "AUTH without TLS is refused");
        for bad in ["x", "a b@c", "<a@b>", "a@b\r\nBcc: c@d"] {
            assert!(notify(&args(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_mime_structure_is_lettres() {
        let n = notify(&args("soc@example.org")).ok().flatten().unwrap();
        let m = String::from_utf8(message(&n, "sub\u{202E}ject", "line 1\nline 2\n", Some("log line\n")).unwrap().formatted()).unwrap();
        assert!(m.contains("Subject: sub\\u{202E}ject\r\n"), "{m}");
        let boundary = |m: &str| m.split("boundary=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let again = String::from_utf8(message(&n, "s", "b", Some("l")).unwrap().formatted()).unwrap();
        assert_ne!(boundary(&m), boundary(&again), "a fresh random boundary each message, not a predictable one");
        let boundary = boundary(&m);
        assert_eq!(m.matches(&format!("--{boundary}")).count(), 3, "{m}");
        assert!(m.contains("filename=\"pivot-share.log\"") && m.contains("Content-Transfer-Encoding: base64"), "{m}");
        assert!(m.contains("line 1\r\nline 2\r\n"), "{m}");
    }
}
