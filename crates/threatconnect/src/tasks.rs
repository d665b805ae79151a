//! Tasks (v2).

use crate::client::{Client, Transport};
use crate::decode::{Obj, Page, R};
use crate::error::Error;
use crate::http::HttpRequest;
use crate::item::ItemRef;
use crate::owners::OwnerRef;
use crate::paging::ListOptions;
use serde_json::Value;

/// The v2 entity key of tasks.
pub(crate) const ENTITY: &str = "task";

/// A task.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// The task's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its owner.
    pub owner: OwnerRef,
    /// Not Started, In Progress, Waiting on Someone, Deferred, Completed.
    pub status: Option<String>,
    /// When it is due.
    pub due_date: Option<String>,
    /// Everything ThreatConnect sent.
    pub raw: Value,
}

impl Task {
    /// Reads one task.
    pub fn read(v: &Value, path: &str, _entity: &str) -> R<Task> {
        let o = Obj::new(v, path)?;
        Ok(Task {
            id: o.id("id")?,
            name: o.text("name")?,
            owner: OwnerRef::read(&o)?,
            status: o.opt_text("status"),
            due_date: o.opt_text("dueDate"),
            raw: v.clone(),
        })
    }
}

/// v2 request builders.
pub mod v2 {
    use super::*;

    /// `GET /v2/tasks`.
    pub fn list(opts: &ListOptions) -> HttpRequest {
        opts.apply(HttpRequest::get("/v2/tasks"))
    }
    /// `POST /v2/tasks`.
    pub fn create(owner: Option<&str>, body: &Value) -> HttpRequest {
        HttpRequest::post("/v2/tasks").owner(owner).json(body)
    }
}

impl<T: Transport> Client<T> {
    /// `GET /v2/tasks`: one page of the owner's tasks.
    pub async fn tasks(&self, opts: &ListOptions) -> Result<Page<Task>, Error> {
        self.v2_list(v2::list(opts), ENTITY, Task::read).await
    }
    /// `GET /v2/tasks/{id}`.
    pub async fn task(&self, id: i64) -> Result<Task, Error> {
        self.v2_one(crate::item::v2::get(&ItemRef::Task(id), None), ENTITY, Task::read).await
    }
    /// `POST /v2/tasks` (name; status, dueDate, assignee, escalated, reminded, overdue).
    pub async fn create_task(&self, owner: Option<&str>, body: &Value) -> Result<Task, Error> {
        self.v2_one(v2::create(owner, body), ENTITY, Task::read).await
    }
    /// `PUT /v2/tasks/{id}`.
    pub async fn update_task(&self, id: i64, body: &Value) -> Result<Task, Error> {
        self.v2_one(crate::item::v2::update(&ItemRef::Task(id), None, body), ENTITY, Task::read).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::line;

    #[test]
    fn request_shapes() {
        assert_eq!(line(&v2::list(&ListOptions::default())), "GET /v2/tasks");
        assert_eq!(line(&v2::create(Some("Org"), &serde_json::json!({"name": "t"}))), "POST /v2/tasks?owner=Org");
    }
}
