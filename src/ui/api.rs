//! The app's handle on ThreatConnect: one client per launch, shared by every
//! view through a `StoredValue` (the client is not `Send`; the handle is Copy).

use std::rc::Rc;

use leptos::prelude::*;

use super::launch::{session_storage, LAUNCH_KEY};
use crate::launch::{Context, SelectedItem};
use threatconnect::browser::{spaces_client, BrowserTransport};
use threatconnect::{Client, Error, IndicatorRef, Owner};

pub type ApiClient = Client<BrowserTransport>;

/// What every view needs: the client and what the launch allowed.
#[derive(Clone)]
pub struct Api {
    pub client: Rc<ApiClient>,
    /// `tcApiPath` as launched: names the instance in this tab's storage.
    pub api_url: String,
    pub allow_write_back: bool,
    /// Whether the publish and import page is offered: a write, so only with write-back on, and
    /// only in a Space (Pivot's API Service does not serve that page: sharing runs as the Job app).
    pub offers_sharing: bool,
    pub default_owner: Option<String>,
    pub share_instance_id: Option<String>,
}

pub type ApiHandle = StoredValue<Api, LocalStorage>;

/// Where this tab remembers that its instance has no v3 (the value is the
/// instance's `tcApiPath`): a Space reloads Pivot for every item, and each
/// load would otherwise pay a v3 round trip before going to v2.
const V3_MISSING_KEY: &str = "pivot.v3-missing";

pub fn connect(context: &Context) -> ApiHandle {
    let client = client_for(context);
    if session_storage().and_then(|s| s.get_item(V3_MISSING_KEY).ok().flatten()).as_deref() == Some(context.api_path.as_str()) {
        client.set_v3_missing();
    }
    // The launch this tab keeps (for reloads and the sharing page) gets each renewed token:
    // at rest, the token is never one that has already been replaced.
    client.on_token_renewed(|token, expires| {
        if let Some(s) = session_storage() {
            if let Ok(Some(query)) = s.get_item(LAUNCH_KEY) {
                let _ = s.set_item(LAUNCH_KEY, &crate::launch::with_token(&query, token, expires));
            }
        }
    });
    StoredValue::new_local(Api {
        client: Rc::new(client),
        api_url: context.api_path.clone(),
        allow_write_back: context.params.allow_write_back,
        offers_sharing: context.params.allow_write_back && !context.service,
        default_owner: context.params.default_owner.clone(),
        share_instance_id: context.params.share_instance_id.clone(),
    })
}

/// The Spaces build's client: the token ThreatConnect sent.
#[cfg(not(feature = "service"))]
fn client_for(context: &Context) -> ApiClient {
    spaces_client(&context.api_path, &context.token.token, context.token.expires)
}

/// The service build serves both: a page under the service's path has no token and calls
/// the API through the service (`launch::service`).
#[cfg(feature = "service")]
fn client_for(context: &Context) -> ApiClient {
    if context.service {
        threatconnect::browser::service_client(&context.api_path)
    } else {
        spaces_client(&context.api_path, &context.token.token, context.token.expires)
    }
}

/// Data a view loads: Leptos' `LocalResource` behind one erased value type.
///
/// Why not `LocalResource<T>` itself: every distinct `T` (and fetcher future)
/// compiles its own copy of the async-derived machinery into the wasm, a few
/// KB each. Here the fetcher's future is boxed and its value is an
/// `Rc<dyn Any>`, so there is one copy for all; `get` gives the `T` back.
pub struct ApiResource<T> {
    inner: LocalResource<Rc<dyn std::any::Any>>,
    value: std::marker::PhantomData<fn() -> T>,
}

impl<T> Clone for ApiResource<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for ApiResource<T> {}

type Fetch = Rc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Rc<dyn std::any::Any>>>>>;

impl<T: Clone + 'static> ApiResource<T> {
    /// Runs `fetch` now and again whenever a signal it read changes (as `LocalResource::new`).
    pub fn new<F: std::future::Future<Output = T> + 'static>(fetch: impl Fn() -> F + 'static) -> Self {
        let fetch: Fetch = Rc::new(move || {
            let f = fetch();
            Box::pin(async move { Rc::new(f.await) as Rc<dyn std::any::Any> })
        });
        ApiResource { inner: erased(fetch), value: std::marker::PhantomData }
    }

    /// The value once loaded (tracked, as `LocalResource::get`).
    pub fn get(&self) -> Option<T> {
        self.inner.get().and_then(|v| v.downcast_ref::<T>().cloned())
    }

    pub fn refetch(&self) {
        self.inner.refetch();
    }
}

/// The one `LocalResource` instantiation (not generic, so compiled once).
fn erased(fetch: Fetch) -> LocalResource<Rc<dyn std::any::Any>> {
    LocalResource::new(move || fetch())
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

/// A part loaded on demand (`on_demand`) that the page could not fetch, as a network error: the
/// panel's error notice offers to try again.
pub fn part_missing(what: &str) -> threatconnect::Error {
    threatconnect::Error::Network(format!("Pivot could not load its code for {what} from the app's own server"))
}

/// Keep for this tab what a panel load learnt: the instance has no v3.
pub fn remember_v3_missing(api: ApiHandle) {
    // `try_`: the panel (and its handle) may be gone by the time the load ends.
    let Some((missing, url)) = api.try_with_value(|a| (a.client.v3_missing(), a.api_url.clone())) else { return };
    if let (true, Some(s)) = (missing, session_storage()) {
        let _ = s.set_item(V3_MISSING_KEY, &url);
    }
}

/// The owners this user can see (their types decide where writes and
/// imports may go); asked once per page, at the same moment as its first panel.
pub fn owners_resource(api: ApiHandle) -> ApiResource<Loaded<Vec<Owner>>> {
    ApiResource::new(move || {
        let client = api.with_value(|a| a.client.clone());
        async move { loaded(client.owners().await) }
    })
}

/// The address's fragment (`#...`), or empty.
pub fn current_fragment() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}
