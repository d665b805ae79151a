//! The app's handle on ThreatConnect: one client per launch, shared by every
//! view through a `StoredValue` (the client is not `Send`; the handle is Copy).

use std::rc::Rc;

use leptos::prelude::*;

use crate::spaces::{Context, SelectedItem};
use crate::tc::browser::{spaces_client, BrowserTransport};
use crate::tc::{Client, Error, IndicatorRef};

pub type ApiClient = Client<BrowserTransport>;

/// What every view needs: the client and what the launch allowed.
#[derive(Clone)]
pub struct Api {
    pub client: Rc<ApiClient>,
    pub allow_write_back: bool,
    pub default_owner: Option<String>,
    pub share_instance_id: Option<String>,
}

pub type ApiHandle = StoredValue<Api, LocalStorage>;

pub fn connect(context: &Context) -> ApiHandle {
    let client = spaces_client(&context.api_path, &context.token.token, context.token.expires);
    StoredValue::new_local(Api {
        client: Rc::new(client),
        allow_write_back: context.params.allow_write_back,
        default_owner: context.params.default_owner.clone(),
        share_instance_id: context.params.share_instance_id.clone(),
    })
}

/// A loaded value or the error that stopped it, cheap to clone into views.
pub type Loaded<T> = Result<Rc<T>, Rc<Error>>;

pub fn loaded<T>(r: Result<T, Error>) -> Loaded<T> {
    r.map(Rc::new).map_err(Rc::new)
}

/// The client's reference to an indicator the trail names.
pub fn indicator_ref(item: &SelectedItem) -> Option<IndicatorRef> {
    match item {
        SelectedItem::Indicator { kind, summary, owner } => Some(IndicatorRef::new(kind.clone(), summary, owner.as_deref())),
        _ => None,
    }
}
