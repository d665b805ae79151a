//! DNS resolutions of hosts and addresses (v2 `{item}/dnsResolutions`, v3
//! `fields=dnsResolution`).

use crate::client::{Client, Transport};
use crate::decode::{one_or_many, Obj, R};
use crate::error::Error;
use crate::http::HttpRequest;
use crate::indicators::Indicator;
use crate::item::ItemRef;
use serde_json::Value;

/// The v2 entity key of a host's resolutions.
pub(crate) const ENTITY: &str = "dnsResolution";

/// One DNS resolution: when a host resolved, and the addresses it resolved to
/// (or, from an address, the host that resolved to it).
/// v2 hosts answer `{"dnsResolution":[{"resolutionDate", "addresses":[{"ip",...}]}]}`,
/// v2 addresses answer the hosts themselves (`{"indicator":[{"type":"Host",...}]}`),
/// v3 `fields=dnsResolution` gives `{"data":[{"resolutionDate", "addresses"|"hosts": {"data":[...]}}]}`.
#[derive(Clone, Debug, PartialEq)]
pub struct DnsResolution {
    /// When it resolved.
    pub resolution_date: Option<String>,
    /// The other side of the resolution: addresses of a host, hosts of an address.
    pub resolved: Vec<Indicator>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl DnsResolution {
    /// Reads one resolution; `entity` is the v2 key it came under.
    pub fn read(v: &Value, path: &str, entity: &str) -> R<DnsResolution> {
        let o = Obj::new(v, path)?;
        let mut resolved = Vec::new();
        let mut listed = false;
        for (key, item_entity) in [("addresses", "address"), ("hosts", "host")] {
            let Some(list) = o.get(key) else { continue };
            listed = true;
            let (items, base) = match list.get("data") {
                Some(d) if list.is_object() => (d, format!("{}.data", o.p(key))),
                _ => (list, o.p(key)),
            };
            for (i, x) in one_or_many(items).into_iter().enumerate() {
                resolved.push(Indicator::read(x, &format!("{base}[{i}]"), item_entity)?);
            }
        }
        if !listed {
            // An address's answer lists the hosts themselves.
            let entity = if matches!(entity, "" | "dnsResolution" | "indicator") { "host" } else { entity };
            resolved.push(Indicator::read(v, path, entity)?);
        }
        Ok(DnsResolution { resolution_date: o.opt_text("resolutionDate"), resolved, raw: v.clone() })
    }
}

/// The `dnsResolution` a v3 indicator carries (`fields=dnsResolution`).
pub(crate) fn of_v3_indicator(raw: &Value) -> Result<Vec<DnsResolution>, Error> {
    Obj::new(raw, "data")?.list("dnsResolution", DnsResolution::read)
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET {host|address}/dnsResolutions`.
    pub fn list(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
        HttpRequest::get(item.sub("dnsResolutions").build()).owner(owner)
    }
}

impl<T: Transport> Client<T> {
    /// `GET {host|address}/dnsResolutions`.
    pub async fn dns_resolutions(&self, item: &ItemRef, owner: Option<&str>) -> Result<Vec<DnsResolution>, Error> {
        Ok(self.v2_list(v2::list(item, owner), ENTITY, DnsResolution::read).await?.items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;
    use crate::test_util::{documented, host, line};
    use crate::types::IndicatorType;

    #[test]
    fn request_shape() {
        assert_eq!(line(&v2::list(&host(), None)), "GET /v2/indicators/hosts/bad.example/dnsResolutions");
    }

    #[test]
    fn dns_resolutions_of_a_host_and_of_an_address() {
        // GET /v2/indicators/hosts/example.com/dnsResolutions
        let h = decode::v2_list(&documented("v2__indicators__host_specific_retrieve__1").1, ENTITY, DnsResolution::read).unwrap();
        assert_eq!(h.items.len(), 1);
        assert_eq!(h.items[0].resolution_date.as_deref(), Some("2017-01-30T20:49:05Z"));
        let a = &h.items[0].resolved;
        assert_eq!((a.len(), a[0].id, a[0].summary.as_str(), a[0].indicator_type.clone()), (1, 123456, "192.168.100.1", IndicatorType::Address));
        // GET /v2/indicators/addresses/192.168.0.1/dnsResolutions: the hosts themselves.
        let d = decode::v2_list(&documented("v2__indicators__address_specific_retrieve__1").1, ENTITY, DnsResolution::read).unwrap();
        let r = &d.items[0].resolved[0];
        assert_eq!(
            (r.id, r.summary.as_str(), r.indicator_type.clone(), r.rating, r.confidence),
            (123456, "example.com", IndicatorType::Host, Some(5.0), Some(85.0))
        );
    }
}
