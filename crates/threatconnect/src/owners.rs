//! Owners (Organizations, Communities, Sources), their users and metrics, and who
//! the credentials belong to.

use crate::client::{Client, Transport};
use crate::decode::{Obj, R};
use crate::error::Error;
use crate::http::{ApiPath, HttpRequest};
use futures::FutureExt;
use serde_json::Value;
use std::future::Future;

/// The v2 entity key of owners.
pub(crate) const ENTITY: &str = "owner";
const USER: &str = "user";
const OWNER_METRIC: &str = "ownerMetric";

/// The owner an item belongs to. v2 lists give `ownerName`, v2 items
/// `owner: {id, name, type}`, v3 `ownerId` + `ownerName`, v3 tags `owner: "<name>"`.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnerRef {
    /// The owner's name.
    pub name: String,
    /// The owner's id, when given.
    pub id: Option<i64>,
    /// Organization, Community or Source, when given.
    pub kind: Option<String>,
}

impl OwnerRef {
    pub(crate) fn read(o: &Obj) -> R<OwnerRef> {
        match o.get("owner") {
            Some(v @ Value::Object(_)) => {
                let p = o.p("owner");
                let oo = Obj::new(v, &p)?;
                Ok(OwnerRef { name: oo.text("name")?, id: oo.opt_i64("id"), kind: oo.opt_text("type") })
            }
            Some(Value::String(s)) => Ok(OwnerRef { name: s.clone(), id: o.opt_i64("ownerId"), kind: None }),
            _ => Ok(OwnerRef { name: o.text("ownerName")?, id: o.opt_i64("ownerId"), kind: None }),
        }
    }
}

/// An owner (Organization, Community, Source) with what else the API said (v3 permissions...).
#[derive(Clone, Debug, PartialEq)]
pub struct Owner {
    /// The owner's id.
    pub id: i64,
    /// The owner's name.
    pub name: String,
    /// Organization, Community or Source.
    pub kind: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl Owner {
    /// Reads one owner.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Owner> {
        let o = Obj::new(v, path)?;
        Ok(Owner { id: o.id("id")?, name: o.text("name")?, kind: o.opt_text("type"), raw: v.clone() })
    }
}

/// A user (owner members, whoami, v3 `createdBy`).
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// The user name.
    pub user_name: String,
    /// The first name.
    pub first_name: Option<String>,
    /// The last name.
    pub last_name: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl User {
    /// Reads one user.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<User> {
        let o = Obj::new(v, path)?;
        Ok(User { user_name: o.text("userName")?, first_name: o.opt_text("firstName"), last_name: o.opt_text("lastName"), raw: v.clone() })
    }
}

/// An owner's metrics for one day (`/v2/owners/{id}/metrics`, entity `ownerMetric`).
#[derive(Clone, Debug, PartialEq)]
pub struct OwnerMetric {
    /// The day.
    pub metric_date: String,
    /// Indicators that day.
    pub total_indicator: Option<i64>,
    /// Groups that day.
    pub total_group: Option<i64>,
    /// Tags that day.
    pub total_tag: Option<i64>,
    /// The average indicator rating.
    pub average_indicator_rating: Option<f64>,
    /// The average indicator confidence.
    pub average_indicator_confidence: Option<f64>,
    /// Every count (`totalHost`, `totalIncident`...) as ThreatConnect sent it.
    pub raw: Value,
}

impl OwnerMetric {
    /// Reads one day's metrics.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<OwnerMetric> {
        let o = Obj::new(v, path)?;
        Ok(OwnerMetric {
            metric_date: o.text("metricDate")?,
            total_indicator: o.opt_i64("totalIndicator"),
            total_group: o.opt_i64("totalGroup"),
            total_tag: o.opt_i64("totalTag"),
            average_indicator_rating: o.opt_f64("averageIndicatorRating"),
            average_indicator_confidence: o.opt_f64("averageIndicatorConfidence"),
            raw: v.clone(),
        })
    }
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET /v2/owners`.
    pub fn owners() -> HttpRequest {
        HttpRequest::get("/v2/owners")
    }
    /// `GET /v2/owners/{id}`.
    pub fn owner(id: i64) -> HttpRequest {
        HttpRequest::get(ApiPath::lit("/v2/owners").id(id).build())
    }
    /// `GET /v2/owners/metrics` or `/v2/owners/{id}/metrics`.
    pub fn metrics(id: Option<i64>) -> HttpRequest {
        match id {
            Some(id) => HttpRequest::get(ApiPath::lit("/v2/owners").id(id).seg("metrics").build()),
            None => HttpRequest::get("/v2/owners/metrics"),
        }
    }
    /// `GET /v2/owners/mine`.
    pub fn mine() -> HttpRequest {
        HttpRequest::get("/v2/owners/mine")
    }
    /// `GET /v2/owners/mine/members`.
    pub fn members() -> HttpRequest {
        HttpRequest::get("/v2/owners/mine/members")
    }
    /// `GET /v2/whoami`.
    pub fn whoami() -> HttpRequest {
        HttpRequest::get("/v2/whoami")
    }
}

/// v3 request builders.
pub mod v3 {
    use super::*;

    /// `GET /v3/security/owners?resultLimit=10000`: every owner with the user's permissions in each.
    pub fn owners() -> HttpRequest {
        HttpRequest::get("/v3/security/owners").query("resultLimit", crate::MAX_RESULT_LIMIT.to_string())
    }
}

impl<T: Transport> Client<T> {
    /// `GET /v2/whoami`: the user the credentials belong to.
    pub async fn whoami(&self) -> Result<User, Error> {
        self.v2_one(v2::whoami(), USER, User::read).await
    }
    /// `GET /v2/owners`: every owner this user can see.
    pub fn owners(&self) -> impl Future<Output = Result<Vec<Owner>, Error>> + '_ {
        self.v2_list(v2::owners(), ENTITY, Owner::read).map(|r| r.map(|p| p.items))
    }
    /// `GET /v2/owners/mine`: the user's own Organization.
    pub async fn my_owner(&self) -> Result<Owner, Error> {
        self.v2_one(v2::mine(), ENTITY, Owner::read).await
    }
    /// `GET /v2/owners/mine/members`: the users of the Organization.
    pub async fn my_members(&self) -> Result<Vec<User>, Error> {
        Ok(self.v2_list(v2::members(), USER, User::read).await?.items)
    }
    /// `GET /v2/owners/{id}/metrics`, or `/v2/owners/metrics` for every owner.
    pub async fn owner_metrics(&self, id: Option<i64>) -> Result<Vec<OwnerMetric>, Error> {
        Ok(self.v2_list(v2::metrics(id), OWNER_METRIC, OwnerMetric::read).await?.items)
    }
    /// `GET /v3/security/owners`, every page: each owner as ThreatConnect sent it (with the
    /// user's permissions there).
    pub async fn v3_owners_as_sent(&self) -> Result<Vec<Value>, Error> {
        self.v3_pager_as_sent(v3::owners()).collect_all().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;
    use crate::test_util::{documented, line};

    #[test]
    fn request_shapes() {
        assert_eq!(line(&v2::owners()), "GET /v2/owners");
        assert_eq!(line(&v2::owner(2)), "GET /v2/owners/2");
        assert_eq!(line(&v2::metrics(None)), "GET /v2/owners/metrics");
        assert_eq!(line(&v2::metrics(Some(2))), "GET /v2/owners/2/metrics");
        assert_eq!(line(&v2::mine()), "GET /v2/owners/mine");
        assert_eq!(line(&v2::members()), "GET /v2/owners/mine/members");
        assert_eq!(line(&v2::whoami()), "GET /v2/whoami");
        assert_eq!(line(&v3::owners()), "GET /v3/security/owners?resultLimit=10000");
    }

    #[test]
    fn owners_mine_and_its_members() {
        let o = decode::v2_one(&documented("v2__owners__retrieve__3").1, ENTITY, Owner::read).unwrap();
        assert_eq!((o.id, o.name.as_str(), o.kind.as_deref()), (1, "Example Organization", Some("Organization")));
        // GET /v2/owners/mine/members: no resultCount in the documented answer.
        let m = decode::v2_list(&documented("v2__owners__retrieve__5").1, USER, User::read).unwrap();
        let got: Vec<(&str, Option<&str>, Option<&str>)> =
            m.items.iter().map(|u| (u.user_name.as_str(), u.first_name.as_deref(), u.last_name.as_deref())).collect();
        assert_eq!(got, vec![("12345678901234567890", Some("Jane"), Some("Doe")), ("12345678901234567891", Some("John"), Some("Doe"))]);
    }
}
