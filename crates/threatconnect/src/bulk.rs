//! Bulk reports (v2): an owner's report configuration and its JSON and CSV downloads.

use crate::client::{Client, Transport};
use crate::decode::{self, one_or_many, Obj, R};
use crate::error::Error;
use crate::http::{ApiPath, HttpRequest};
use crate::indicators::Indicator;
use serde_json::Value;

/// An owner's bulk report configuration (`GET /v2/indicators/bulk?owner=`), answered as
/// `{"bulkStatus": {...}}` (the documented example has no `status`/`data` envelope).
#[derive(Clone, Debug, PartialEq)]
pub struct BulkStatus {
    /// The owner's name.
    pub name: String,
    /// The CSV report is on.
    pub csv_enabled: bool,
    /// The JSON report is on.
    pub json_enabled: bool,
    /// The next scheduled run.
    pub next_run: Option<String>,
    /// The last run.
    pub last_run: Option<String>,
    /// The last run's status.
    pub status: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl BulkStatus {
    /// Reads the configuration.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<BulkStatus> {
        let o = Obj::new(v, path)?;
        Ok(BulkStatus {
            name: o.text("name")?,
            csv_enabled: o.opt_bool("csvEnabled").unwrap_or(false),
            json_enabled: o.opt_bool("jsonEnabled").unwrap_or(false),
            next_run: o.opt_text("nextRun"),
            last_run: o.opt_text("lastRun"),
            status: o.opt_text("status"),
            raw: v.clone(),
        })
    }
}

/// One row of a CSV bulk report: `Type,Value,Rating,Confidence` (`null` when unset).
#[derive(Clone, Debug, PartialEq)]
pub struct BulkCsvRow {
    /// The indicator type.
    pub indicator_type: String,
    /// The value.
    pub value: String,
    /// The rating, when set.
    pub rating: Option<f64>,
    /// The confidence, when set.
    pub confidence: Option<f64>,
}

impl BulkCsvRow {
    /// Parses a CSV bulk report: a header naming at least Type and Value, then one row per
    /// indicator; quoted fields (`"a,b"`, `""` for a quote) are read as CSV writes them.
    pub fn parse_report(text: &str) -> R<Vec<BulkCsvRow>> {
        let mut lines = csv_records(text).into_iter();
        let header = lines.next().ok_or_else(|| Error::decode("csv", "empty report"))?;
        let col = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
        let (t, v) = match (col("Type"), col("Value")) {
            (Some(t), Some(v)) => (t, v),
            _ => return Err(Error::decode("csv", "the header names no Type and Value columns")),
        };
        let (r, c) = (col("Rating"), col("Confidence"));
        let num = |row: &Vec<String>, i: Option<usize>| i.and_then(|i| row.get(i)).and_then(|x| x.trim().parse::<f64>().ok());
        let mut out = Vec::new();
        for (n, row) in lines.enumerate() {
            if row.len() == 1 && row[0].is_empty() {
                continue;
            }
            let get = |i: usize| row.get(i).cloned().ok_or_else(|| Error::decode(&format!("csv[{}]", n + 1), "too few columns"));
            out.push(BulkCsvRow { indicator_type: get(t)?, value: get(v)?, rating: num(&row, r), confidence: num(&row, c) });
        }
        Ok(out)
    }
}

/// Splits CSV text into records of fields (RFC 4180 quoting; CRLF or LF line ends).
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut row, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        records.push(row);
    }
    records
}

/// The documented bulk answers are bare (`{"bulkStatus": ...}`); an enveloped one has them under `data`.
fn bare_or_data(body: &Value) -> &Value {
    body.get("data").filter(|d| d.is_object()).unwrap_or(body)
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET /v2/indicators/bulk`: bulk report status per owner.
    pub fn status(owner: Option<&str>) -> HttpRequest {
        HttpRequest::get("/v2/indicators/bulk").owner(owner)
    }
    /// `GET /v2/indicators/bulk/{json|csv}`: an owner's bulk download.
    pub fn download(format: &str, owner: Option<&str>) -> HttpRequest {
        HttpRequest::get(ApiPath::lit("/v2/indicators/bulk").seg(format).build()).owner(owner).response_limit(crate::http::DOWNLOAD_RESPONSE_LIMIT)
    }
    /// `GET /v2/indicators/bulk/{json|csv}?owner=&runNow=true`: the report recreated now.
    pub fn download_now(format: &str, owner: Option<&str>) -> HttpRequest {
        download(format, owner).query("runNow", "true")
    }
}

impl<T: Transport> Client<T> {
    /// `GET /v2/indicators/bulk?owner=`: the owner's bulk report configuration.
    pub async fn bulk_status(&self, owner: Option<&str>) -> Result<BulkStatus, Error> {
        let body = self.json(v2::status(owner)).await?;
        decode::v2_ok(&body)?;
        let v = bare_or_data(&body).get("bulkStatus").ok_or_else(|| Error::decode("bulkStatus", "missing"))?;
        BulkStatus::read(v, "bulkStatus", "bulkStatus")
    }
    /// `GET /v2/indicators/bulk/json?owner=[&runNow=true]`: the owner's indicators with their context.
    pub async fn bulk_json(&self, owner: Option<&str>, run_now: bool) -> Result<Vec<Indicator>, Error> {
        let req = if run_now { v2::download_now("json", owner) } else { v2::download("json", owner) };
        let body = self.json(req).await?;
        decode::v2_ok(&body)?;
        let list = bare_or_data(&body).get("indicator").unwrap_or(&Value::Null);
        one_or_many(list).into_iter().enumerate().map(|(i, x)| Indicator::read(x, &format!("indicator[{i}]"), crate::indicators::ENTITY)).collect()
    }
    /// `GET /v2/indicators/bulk/csv?owner=[&runNow=true]`: `Type,Value,Rating,Confidence` rows.
    pub async fn bulk_csv(&self, owner: Option<&str>, run_now: bool) -> Result<Vec<BulkCsvRow>, Error> {
        let req = if run_now { v2::download_now("csv", owner) } else { v2::download("csv", owner) };
        let bytes = self.bytes(req).await?;
        BulkCsvRow::parse_report(&String::from_utf8_lossy(&bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::line;

    #[test]
    fn request_shapes() {
        assert_eq!(line(&v2::status(Some("Org"))), "GET /v2/indicators/bulk?owner=Org");
        assert_eq!(line(&v2::download("json", Some("Org"))), "GET /v2/indicators/bulk/json?owner=Org");
        assert_eq!(line(&v2::download_now("csv", Some("Org"))), "GET /v2/indicators/bulk/csv?owner=Org&runNow=true");
    }

    #[test]
    fn csv_reports_quote_as_csv_writes() {
        let rows =
            BulkCsvRow::parse_report("Type,Value,Rating,Confidence\r\nHost,\"a,b.example\",3.0,null\nURL,\"http://x/\"\"q\"\"\",,50\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].value.as_str(), rows[0].rating, rows[0].confidence), ("a,b.example", Some(3.0), None));
        assert_eq!((rows[1].value.as_str(), rows[1].rating, rows[1].confidence), ("http://x/\"q\"", None, Some(50.0)));
        assert!(BulkCsvRow::parse_report("").is_err());
        assert!(BulkCsvRow::parse_report("Summary,Owner\nx,y").is_err());
    }
}
