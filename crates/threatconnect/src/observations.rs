//! Observations, observation counts and false positives of indicators, and what
//! was observed on a day.

use crate::client::{Client, Transport};
use crate::decode::{Obj, R};
use crate::error::Error;
use crate::http::HttpRequest;
use crate::item::ItemRef;
use serde_json::{json, Value};

const OBSERVATION: &str = "observation";
const OBSERVATION_COUNT: &str = "observationCount";

/// One observation of an indicator (`{indicator}/observations`): `{count, dateObserved}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    /// How many times.
    pub count: i64,
    /// When.
    pub date_observed: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl Observation {
    /// Reads one observation.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Observation> {
        let o = Obj::new(v, path)?;
        Ok(Observation { count: o.opt_i64("count").unwrap_or(0), date_observed: o.opt_text("dateObserved"), raw: v.clone() })
    }
}

/// `/observationCount`: `{count, lastObserved, yourCount, yourLastObserved}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ObservationCount {
    /// Observations by everyone.
    pub count: i64,
    /// The last one.
    pub last_observed: Option<String>,
    /// Observations by your organization.
    pub your_count: Option<i64>,
    /// Your last one.
    pub your_last_observed: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl ObservationCount {
    /// Reads the counts.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<ObservationCount> {
        let o = Obj::new(v, path)?;
        Ok(ObservationCount {
            count: o.opt_i64("count").unwrap_or(0),
            last_observed: o.opt_text("lastObserved"),
            your_count: o.opt_i64("yourCount"),
            your_last_observed: o.opt_text("yourLastObserved"),
            raw: v.clone(),
        })
    }
}

/// A false-positive report (`POST .../falsePositive` answer): `{count, reported}`.
#[derive(Clone, Debug, PartialEq)]
pub struct FalsePositive {
    /// Reports so far.
    pub count: i64,
    /// The indicator, when the answer names it (v3 `PUT ...?fields=falsePositives`).
    pub indicator_id: Option<i64>,
    /// The indicator's summary, when the answer names it.
    pub summary: Option<String>,
    /// Whether this user reported it.
    pub reported_by_user: Option<bool>,
    /// When it was last reported.
    pub last_reported: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl FalsePositive {
    /// Reads a false-positive answer.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<FalsePositive> {
        let o = Obj::new(v, path)?;
        Ok(FalsePositive {
            count: o.opt_i64("count").or_else(|| o.opt_i64("falsePositives")).unwrap_or(0),
            indicator_id: o.opt_i64("id"),
            summary: o.opt_text("summary"),
            reported_by_user: o.opt_bool("reported").or_else(|| o.opt_bool("falsePositiveReportedByUser")),
            last_reported: o.opt_text("lastReported").or_else(|| o.opt_text("lastFalsePositive")),
            raw: v.clone(),
        })
    }
}

/// One line of `/v2/indicators/observed`: an indicator's observations (no id there).
#[derive(Clone, Debug, PartialEq)]
pub struct Observed {
    /// The indicator's summary.
    pub summary: String,
    /// Its observations.
    pub observation_count: i64,
    /// The last one.
    pub last_observed: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl Observed {
    /// Reads one line.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Observed> {
        let o = Obj::new(v, path)?;
        Ok(Observed {
            summary: o.text("summary")?,
            observation_count: o.opt_i64("observationCount").unwrap_or(0),
            last_observed: o.opt_text("lastObserved"),
            raw: v.clone(),
        })
    }
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET {indicator}/observations`.
    pub fn list(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
        HttpRequest::get(item.sub("observations").build()).owner(owner)
    }
    /// `POST {indicator}/observations` with `{count, dateObserved}`.
    pub fn add(item: &ItemRef, count: u32, date_observed: Option<&str>) -> HttpRequest {
        let body = match date_observed {
            Some(d) => json!({"count": count, "dateObserved": d}),
            None => json!({"count": count}),
        };
        HttpRequest::post(item.sub("observations").build()).json(&body)
    }
    /// `GET {indicator}/observationCount`.
    pub fn count(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
        HttpRequest::get(item.sub("observationCount").build()).owner(owner)
    }
    /// `POST {indicator}/falsePositive`.
    pub fn report_false_positive(item: &ItemRef, owner: Option<&str>) -> HttpRequest {
        HttpRequest::post(item.sub("falsePositive").build()).owner(owner)
    }
    /// `GET /v2/indicators/observed[?dateObserved=]`.
    pub fn observed(date_observed: Option<&str>) -> HttpRequest {
        HttpRequest::get("/v2/indicators/observed").query_opt("dateObserved", date_observed)
    }
}

impl<T: Transport> Client<T> {
    /// `GET {indicator}/observations`: each observation with its date.
    pub async fn observations(&self, item: &ItemRef, owner: Option<&str>) -> Result<Vec<Observation>, Error> {
        Ok(self.v2_list(v2::list(item, owner), OBSERVATION, Observation::read).await?.items)
    }
    /// `POST {indicator}/observations` with `{count, dateObserved}` (an ISO date, offsets allowed).
    pub async fn add_observation(&self, item: &ItemRef, count: u32, date_observed: Option<&str>) -> Result<(), Error> {
        self.v2_ok(v2::add(item, count, date_observed)).await
    }
    /// `GET {indicator}/observationCount`.
    pub async fn observation_count(&self, item: &ItemRef, owner: Option<&str>) -> Result<ObservationCount, Error> {
        self.v2_one(v2::count(item, owner), OBSERVATION_COUNT, ObservationCount::read).await
    }
    /// `GET /v2/indicators/observed[?dateObserved=]`.
    pub async fn observed(&self, date_observed: Option<&str>) -> Result<Vec<Observed>, Error> {
        Ok(self.v2_list(v2::observed(date_observed), crate::indicators::ENTITY, Observed::read).await?.items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode;
    use crate::test_util::{body, documented, host, line};

    #[test]
    fn request_shapes() {
        let r = v2::add(&host(), 2, Some("2024-01-01T00:00:00Z"));
        assert_eq!(line(&r), "POST /v2/indicators/hosts/bad.example/observations");
        assert_eq!(body(&r), json!({"count": 2, "dateObserved": "2024-01-01T00:00:00Z"}));
        assert_eq!(line(&v2::list(&host(), None)), "GET /v2/indicators/hosts/bad.example/observations");
        assert_eq!(line(&v2::count(&host(), None)), "GET /v2/indicators/hosts/bad.example/observationCount");
        assert_eq!(line(&v2::report_false_positive(&host(), Some("Org"))), "POST /v2/indicators/hosts/bad.example/falsePositive?owner=Org");
        assert_eq!(line(&v2::observed(Some("2022-04-05"))), "GET /v2/indicators/observed?dateObserved=2022-04-05");
    }

    #[test]
    fn observed_as_documented() {
        // GET /v2/indicators/observed?dateObserved=2022-04-05
        let p = decode::v2_list(&documented("v2__indicators__retrieve__11").1, "indicator", Observed::read).unwrap();
        let got: Vec<(&str, i64, Option<&str>)> =
            p.items.iter().map(|o| (o.summary.as_str(), o.observation_count, o.last_observed.as_deref())).collect();
        assert_eq!(got, vec![("192.168.0.1", 12, Some("2022-04-05T07:44:13Z")), ("example.com", 2, Some("2022-04-04T21:17:06Z"))]);
        assert_eq!(p.result_count, Some(2));
    }

    #[test]
    fn false_positives_as_documented() {
        // PUT /v3/indicators/75?fields=falsePositives
        let f = decode::v3_one(&documented("v3__indicators__falsePositivesObservations__2").1, FalsePositive::read).unwrap();
        assert_eq!((f.count, f.reported_by_user, f.last_reported.as_deref()), (1, Some(true), Some("2024-12-09T00:00:00Z")));
    }
}
