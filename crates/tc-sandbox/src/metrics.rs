//! Custom metrics (v2 `/v2/customMetrics`): a metric's configuration and the values added to it,
//! as tcex's Metric module uses them (tcex/api/tc/v2/metric/metric.py: create, find by name in
//! the list, add a value with `returnValue=true` to get the period's value back).

use crate::app::{App, Req, Resp};
use crate::util::{bad, not_found, num, ApiErr, Res};
use rusqlite::{params, OptionalExtension};
use serde_json::{json, Value};

const DATA_TYPES: &[&str] = &["Sum", "Average", "Count", "First", "Last", "Min", "Max"];
const INTERVALS: &[&str] = &["Hourly", "Daily", "Weekly", "Monthly", "Yearly"];
/// ThreatConnect refuses tcex's 500-character metric name (tests/api/tc/v2/metric/test_metric.py,
/// test_create_new_metrics_fail); its exact limit is not documented, the sandbox takes 100.
const MAX_NAME: usize = 100;

pub fn route(app: &App, req: &Req, rest: &[&str]) -> Res<Resp> {
    let conn = app.db();
    match (req.method.as_str(), rest) {
        ("GET", []) => {
            let mut st = conn.prepare("SELECT id, config FROM custom_metrics ORDER BY id")?;
            let all: Vec<Value> = st.query_map([], |r| Ok(config(r.get(0)?, &r.get::<_, String>(1)?)))?.collect::<Result<_, _>>()?;
            let start = req.param("resultStart").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
            let limit = req.param("resultLimit").and_then(|v| v.parse::<usize>().ok()).unwrap_or(100).clamp(1, 10_000);
            let page: Vec<Value> = all.iter().skip(start).take(limit).cloned().collect();
            Ok(Resp::json(200, json!({"status": "Success", "data": {"resultCount": all.len(), "customMetricConfig": page}})))
        }
        ("GET", [id]) => {
            let (id, cfg) = load(&conn, id)?;
            Ok(Resp::json(200, json!({"status": "Success", "data": {"customMetricConfig": config(id, &cfg)}})))
        }
        ("POST", []) => {
            let body = req.json()?;
            let name = body.get("name").and_then(Value::as_str).map(str::trim).unwrap_or("");
            if name.is_empty() || name.chars().count() > MAX_NAME {
                return Err(bad(format!("A custom metric name must be 1 to {MAX_NAME} characters")));
            }
            let pick = |k: &str, allowed: &[&str]| -> Res<String> {
                let v = body.get(k).and_then(Value::as_str).unwrap_or("");
                allowed
                    .iter()
                    .find(|a| a.eq_ignore_ascii_case(v))
                    .map(|a| a.to_string())
                    .ok_or_else(|| bad(format!("Invalid {k}: {v:?} ({})", allowed.join(", "))))
            };
            let cfg = json!({"name": name, "dataType": pick("dataType", DATA_TYPES)?, "interval": pick("interval", INTERVALS)?,
                "keyedValues": body.get("keyedValues").and_then(Value::as_bool).unwrap_or(false),
                "description": body.get("description").and_then(Value::as_str).unwrap_or("")});
            let exists: Option<i64> = conn.query_row("SELECT id FROM custom_metrics WHERE name = ?1", [name], |r| r.get(0)).optional()?;
            if exists.is_some() {
                return Err(ApiErr::new(409, format!("A custom metric named {name} already exists")));
            }
            conn.execute("INSERT INTO custom_metrics(name, config) VALUES (?1, ?2)", params![name, cfg.to_string()])?;
            let id = conn.last_insert_rowid();
            Ok(Resp::json(201, json!({"status": "Success", "data": {"customMetricConfig": config(id, &cfg.to_string())}})))
        }
        ("POST", [id, "data"]) => {
            let (id, cfg) = load(&conn, id)?;
            let cfg: Value = serde_json::from_str(&cfg).unwrap_or_default();
            let body = req.json()?;
            let value = body.get("value").and_then(num).ok_or_else(|| bad("value must be a number"))?;
            let weight = body.get("weight").and_then(num).unwrap_or(1.0);
            let keyed = cfg["keyedValues"].as_bool().unwrap_or(false);
            let key = body.get("name").and_then(Value::as_str).unwrap_or("");
            if keyed && key.is_empty() {
                return Err(bad("A keyed metric's value needs a name (its key)"));
            }
            let at = match body.get("date").and_then(Value::as_str) {
                Some(d) => crate::util::parse_date(d).ok_or_else(|| bad(format!("Invalid date: {d}")))?,
                None => crate::util::now_s(),
            };
            let period = period_start(at, cfg["interval"].as_str().unwrap_or("Daily"));
            conn.execute(
                "INSERT INTO custom_metric_data(metric, key, period, value, weight) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, key, period, value, weight],
            )?;
            if !req.flag("returnValue") {
                return Ok(Resp { status: 204, body: vec![], headers: vec![] });
            }
            let rows: Vec<(f64, f64)> = conn
                .prepare("SELECT value, weight FROM custom_metric_data WHERE metric = ?1 AND key = ?2 AND period = ?3 ORDER BY rowid")?
                .query_map(params![id, key, period], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            let v = aggregate(cfg["dataType"].as_str().unwrap_or("Sum"), &rows);
            let mut out = json!({"value": v, "date": crate::util::iso(period), "weight": rows.iter().map(|r| r.1).sum::<f64>()});
            if keyed {
                out["name"] = json!(key);
            }
            Ok(Resp::json(200, out))
        }
        _ => Err(not_found(format!("No v2 endpoint {} {}", req.method, req.path))),
    }
}

fn load(conn: &rusqlite::Connection, id: &str) -> Res<(i64, String)> {
    let id: i64 = id.parse().map_err(|_| not_found(format!("Custom metric not found: {id}")))?;
    let cfg: Option<String> = conn.query_row("SELECT config FROM custom_metrics WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    Ok((id, cfg.ok_or_else(|| not_found(format!("Custom metric not found: {id}")))?))
}

fn config(id: i64, cfg: &str) -> Value {
    let mut v: Value = serde_json::from_str(cfg).unwrap_or_default();
    v["id"] = json!(id);
    v
}

/// The start of the interval `at` falls in (UTC), in epoch seconds.
fn period_start(at: i64, interval: &str) -> i64 {
    let day = at.div_euclid(86_400) * 86_400;
    match interval {
        "Hourly" => at.div_euclid(3_600) * 3_600,
        // 1970-01-01 was a Thursday: weeks start on Monday.
        "Weekly" => day - ((at.div_euclid(86_400) + 3).rem_euclid(7)) * 86_400,
        "Monthly" | "Yearly" => {
            let iso = crate::util::iso(at);
            let (y, m) = (&iso[0..4], if interval == "Monthly" { &iso[5..7] } else { "01" });
            crate::util::parse_date(&format!("{y}-{m}-01")).unwrap_or(day)
        }
        _ => day,
    }
}

fn aggregate(data_type: &str, rows: &[(f64, f64)]) -> f64 {
    let values = rows.iter().map(|r| r.0);
    match data_type {
        "Average" => {
            let w: f64 = rows.iter().map(|r| r.1).sum();
            if w == 0.0 {
                0.0
            } else {
                rows.iter().map(|r| r.0 * r.1).sum::<f64>() / w
            }
        }
        "Count" => rows.len() as f64,
        "First" => rows.first().map(|r| r.0).unwrap_or(0.0),
        "Last" => rows.last().map(|r| r.0).unwrap_or(0.0),
        "Min" => values.fold(f64::INFINITY, f64::min),
        "Max" => values.fold(f64::NEG_INFINITY, f64::max),
        _ => values.sum(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn periods_and_aggregates() {
        let at = crate::util::parse_date("2008-12-12T12:12:12Z").unwrap();
        let iso = |i: &str| crate::util::iso(super::period_start(at, i));
        assert_eq!(iso("Daily"), "2008-12-12T00:00:00Z");
        assert_eq!(iso("Hourly"), "2008-12-12T12:00:00Z");
        assert_eq!(iso("Weekly"), "2008-12-08T00:00:00Z"); // a Monday
        assert_eq!(iso("Monthly"), "2008-12-01T00:00:00Z");
        assert_eq!(iso("Yearly"), "2008-01-01T00:00:00Z");
        assert_eq!(super::aggregate("Average", &[(42.0, 4.0), (24.0, 1.0)]), (42.0 * 4.0 + 24.0) / 5.0);
        assert_eq!(super::aggregate("Sum", &[(1.0, 1.0), (2.0, 1.0)]), 3.0);
        assert_eq!(super::aggregate("Count", &[(1.0, 1.0), (2.0, 1.0)]), 2.0);
    }
}
