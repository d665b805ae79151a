//! Write-back to one indicator or group: tags, security labels, attributes, rating and
//! confidence, false positives, observations, group associations, each routed by how
//! the item is named.
//!
//! Why this routing is a rule of its own: on v3 every write goes by the item's id with
//! every value in the body, so no tag name, label name or indicator value is ever a path
//! segment (a value such as `..` would name another resource). Only where an instance has
//! no v3 does a write go by the item's v2 path, which the client refuses to send when a
//! value cannot be one segment.

use crate::client::{Client, Transport};
use crate::error::Error;
use crate::http::HttpRequest;
use crate::item::{self, Collection, ItemRef, Mode};
use crate::types::GroupType;
use crate::{associations, attributes, observations, security_labels, tags};
use serde_json::{json, Value};
use std::future::Future;

/// How writes reach the item.
#[derive(Clone, Debug, PartialEq)]
pub enum Via {
    /// By its v3 collection and id (the item was read from v3).
    V3(Collection, i64),
    /// By its v2 path (the v2 fallback; a custom type's branch as the panel resolved it).
    V2(ItemRef),
}

/// One write-back action.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Write<'a> {
    /// Tag (append) or untag (delete) by name.
    Tag(&'a str, Mode),
    /// Apply (append) or remove (delete) a security label by name.
    Label(&'a str, Mode),
    /// A new attribute: type, value.
    AddAttribute(&'a str, &'a str),
    /// A new value for an attribute: its id, the value.
    EditAttribute(i64, &'a str),
    /// Delete an attribute by id.
    DeleteAttribute(i64),
    /// `{"rating": r, "confidence": c}`.
    Rating(&'a Value),
    /// Report a false positive.
    FalsePositive,
    /// Record one observation.
    Observation,
    /// Associate (append) or dissociate (delete) a group.
    Group(GroupType, i64, Mode),
}

/// A write ready to send, in its owner: made by [`prepare`] (the routing), sent by
/// [`Client::send_write`]. Built at once, so the values it was made from need not outlive it.
#[derive(Debug)]
pub struct Prepared(HttpRequest);

/// `write` on the item `via` names, in `owner`.
pub fn prepare(via: &Via, owner: &str, write: Write) -> Prepared {
    Prepared(request(via, write).owner(Some(owner)))
}

/// The request for `write` on the item `via` names (see the module's note).
fn request(via: &Via, write: Write) -> HttpRequest {
    match (via, write) {
        (Via::V3(c, id), Write::Tag(name, mode)) => tags::v3::apply(*c, *id, &[name], mode),
        (Via::V3(c, id), Write::Label(name, mode)) => security_labels::v3::apply(*c, *id, &[name], mode),
        (Via::V3(c, id), Write::AddAttribute(kind, value)) => {
            attributes::v3::apply(*c, *id, vec![json!({"type": kind, "value": value, "default": true})], Mode::Append)
        }
        (Via::V3(c, _), Write::EditAttribute(attribute, value)) => attributes::v3::update(*c, attribute, value),
        (Via::V3(c, id), Write::DeleteAttribute(attribute)) => attributes::v3::apply(*c, *id, vec![json!({"id": attribute})], Mode::Delete),
        (Via::V3(c, id), Write::Rating(body)) => item::v3::update(*c, *id, body),
        (Via::V3(c, id), Write::FalsePositive) => item::v3::update(*c, *id, &json!({"falsePositive": true})),
        (Via::V3(c, id), Write::Observation) => item::v3::update(*c, *id, &json!({"observations": 1})),
        (Via::V3(c, id), Write::Group(_, group, mode)) => associations::v3::groups(*c, *id, &[group], mode),
        (Via::V2(item), Write::Tag(name, Mode::Delete)) => tags::v2::remove(item, name),
        (Via::V2(item), Write::Tag(name, _)) => tags::v2::add(item, name),
        (Via::V2(item), Write::Label(name, Mode::Delete)) => security_labels::v2::remove(item, name),
        (Via::V2(item), Write::Label(name, _)) => security_labels::v2::add(item, name),
        (Via::V2(item), Write::AddAttribute(kind, value)) => attributes::v2::create(item, kind, value, true),
        (Via::V2(item), Write::EditAttribute(attribute, value)) => attributes::v2::update(item, attribute, value),
        (Via::V2(item), Write::DeleteAttribute(attribute)) => attributes::v2::delete(item, attribute),
        (Via::V2(item), Write::Rating(body)) => item::v2::update(item, None, body),
        (Via::V2(item), Write::FalsePositive) => observations::v2::report_false_positive(item, None),
        (Via::V2(item), Write::Observation) => observations::v2::add(item, 1, None),
        (Via::V2(item), Write::Group(kind, group, Mode::Delete)) => associations::v2::unlink(item, &ItemRef::group(kind, group)),
        (Via::V2(item), Write::Group(kind, group, _)) => associations::v2::link(item, &ItemRef::group(kind, group)),
    }
}

impl<T: Transport> Client<T> {
    /// Writes `write` to the item `via` names, in `owner`: one request, answered with
    /// `{"status":"Success"}`.
    pub async fn write(&self, via: &Via, owner: &str, write: Write<'_>) -> Result<(), Error> {
        self.send_write(prepare(via, owner, write)).await
    }

    /// Sends a write [`prepare`] made.
    pub fn send_write(&self, write: Prepared) -> impl Future<Output = Result<(), Error>> + '_ {
        self.v2_ok(write.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{body, line};
    use crate::types::IndicatorType;

    fn every_write(rating: &Value) -> Vec<Write<'_>> {
        vec![
            Write::Tag("..", Mode::Append),
            Write::Tag("..", Mode::Delete),
            Write::Label("TLP:RED", Mode::Append),
            Write::Label("TLP:RED", Mode::Delete),
            Write::AddAttribute("Description", "d"),
            Write::EditAttribute(10, "e"),
            Write::DeleteAttribute(10),
            Write::Rating(rating),
            Write::FalsePositive,
            Write::Observation,
            Write::Group(GroupType::Incident, 9, Mode::Append),
            Write::Group(GroupType::Incident, 9, Mode::Delete),
        ]
    }

    #[test]
    fn on_v3_every_write_goes_by_id_with_its_values_in_the_body() {
        let rating = json!({"rating": 3, "confidence": 50});
        let via = Via::V3(Collection::Indicators, 4);
        let lines: Vec<String> = every_write(&rating).into_iter().map(|w| line(&request(&via, w))).collect();
        assert_eq!(
            lines,
            [
                "PUT /v3/indicators/4",
                "PUT /v3/indicators/4",
                "PUT /v3/indicators/4",
                "PUT /v3/indicators/4",
                "PUT /v3/indicators/4",
                "PUT /v3/indicatorAttributes/10",
                "PUT /v3/indicators/4",
                "PUT /v3/indicators/4",
                "PUT /v3/indicators/4",
                "PUT /v3/indicators/4",
                "PUT /v3/indicators/4",
                "PUT /v3/indicators/4",
            ]
        );
        // The tag `..` leaves this item, not the owner: its name is in the body.
        assert_eq!(body(&request(&via, Write::Tag("..", Mode::Delete))), json!({"tags": {"data": [{"name": ".."}], "mode": "delete"}}));
        assert_eq!(body(&request(&via, Write::FalsePositive)), json!({"falsePositive": true}));
        assert_eq!(body(&request(&via, Write::Observation)), json!({"observations": 1}));
        assert_eq!(line(&request(&Via::V3(Collection::Groups, 9), Write::EditAttribute(10, "e"))), "PUT /v3/groupAttributes/10");
        for w in every_write(&rating) {
            let r = request(&via, w);
            assert!(r.unsafe_segment().is_none(), "{}", line(&r));
        }
    }

    #[test]
    fn on_v2_writes_go_to_the_items_paths() {
        let rating = json!({"rating": 3});
        let via = Via::V2(ItemRef::indicator(&IndicatorType::Host, "bad.example").unwrap());
        let lines: Vec<String> = every_write(&rating).into_iter().map(|w| line(&request(&via, w))).collect();
        let h = "/v2/indicators/hosts/bad.example";
        assert_eq!(
            lines,
            [
                format!("POST {h}/tags/.."),
                format!("DELETE {h}/tags/.."),
                format!("POST {h}/securityLabels/TLP%3ARED"),
                format!("DELETE {h}/securityLabels/TLP%3ARED"),
                format!("POST {h}/attributes"),
                format!("PUT {h}/attributes/10"),
                format!("DELETE {h}/attributes/10"),
                format!("PUT {h}"),
                format!("POST {h}/falsePositive"),
                format!("POST {h}/observations"),
                format!("POST {h}/groups/incidents/9"),
                format!("DELETE {h}/groups/incidents/9"),
            ]
        );
        // A name that cannot be one segment is in the path here: the client refuses to send it.
        assert_eq!(request(&via, Write::Tag("..", Mode::Delete)).unsafe_segment(), Some(".."));
        // Prepared in its owner.
        assert_eq!(line(&prepare(&via, "Demo Org", Write::Observation).0), format!("POST {h}/observations?owner=Demo%20Org"));
    }
}
