//! A wasmtime host that runs symflow's composed Spin component the way Spin's HTTP trigger
//! does for a WASI P2 component: a fresh instance per request, `wasi:http/incoming-handler`
//! called with the request, WASI P2 and `wasi:http` from wasmtime-wasi(-http), and the two
//! Spin interfaces the component uses (`fermyon:spin/key-value@2.0.0`, `variables@2.0.0`)
//! implemented here over a map shared by every request (Spin's key-value store outlives
//! instances). Outbound HTTP is allowed to the fakes' authorities only (Slack, PagerDuty), as
//! `allowed_outbound_hosts` would; the guest's wall clock can be moved forward.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use wasmtime::component::{Component, HasSelf, Linker, Resource, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{DirPerms, FilePerms, HostWallClock, WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::http::types::{ErrorCode, Scheme};
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::p2::types::{HostFutureIncomingResponse, OutgoingRequestConfig};
use wasmtime_wasi_http::p2::{HttpResult, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};
use wasmtime_wasi_http::WasiHttpCtx;

mod spin {
    wasmtime::component::bindgen!({
        path: "tests/wit",
        world: "spin-host",
        with: { "fermyon:spin/key-value.store": super::KvStore },
    });
}

use spin::fermyon::spin::{key_value, variables};

/// An open store handle: just its label (there is one store, `default`).
pub struct KvStore;

/// Holds the first `readers` reads of one key until all of them have happened, so a test can
/// make concurrent requests read the same value before any of them writes (the interleaving
/// Spin's key-value store allows, made certain instead of left to timing).
#[derive(Default)]
pub struct ReadGate {
    armed: Mutex<Option<(String, usize)>>,
    all_read: Condvar,
}

impl ReadGate {
    pub fn hold(&self, key: &str, readers: usize) {
        *self.armed.lock().unwrap() = Some((key.to_string(), readers));
    }

    fn on_read(&self, key: &str) {
        let mut armed = self.armed.lock().unwrap();
        match armed.as_mut() {
            Some((k, waiting)) if k == key => {
                *waiting -= 1;
                if *waiting == 0 {
                    *armed = None;
                    self.all_read.notify_all();
                    return;
                }
            }
            _ => return,
        }
        // Not forever: a request that never comes must not hang the test.
        let _ = self
            .all_read
            .wait_timeout_while(armed, Duration::from_secs(10), |a| {
                a.as_ref().is_some_and(|(k, _)| k == key)
            })
            .unwrap();
    }
}

/// What every request's instance shares: the key-value store, the variables, the clock offset.
#[derive(Clone)]
pub struct Shared {
    pub kv: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
    pub read_gate: Arc<ReadGate>,
    pub variables: Arc<BTreeMap<String, String>>,
    pub clock_offset_ms: Arc<AtomicU64>,
    /// `host:port` outbound requests may go to.
    pub allowed_authorities: Vec<String>,
}

struct Hooks {
    allowed_authorities: Vec<String>,
}

impl WasiHttpHooks for Hooks {
    fn send_request(
        &mut self,
        request: hyper::Request<HyperOutgoingBody>,
        config: OutgoingRequestConfig,
    ) -> HttpResult<HostFutureIncomingResponse> {
        let authority = request
            .uri()
            .authority()
            .map(|a| a.to_string())
            .unwrap_or_default();
        if !self.allowed_authorities.contains(&authority) {
            return Err(ErrorCode::HttpRequestDenied.into());
        }
        Ok(wasmtime_wasi_http::p2::default_send_request(
            request, config,
        ))
    }
}

pub struct HostState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: Hooks,
    shared: Shared,
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

impl key_value::Host for HostState {}

impl key_value::HostStore for HostState {
    fn open(&mut self, label: String) -> Result<Resource<KvStore>, key_value::Error> {
        if label != "default" {
            return Err(key_value::Error::NoSuchStore);
        }
        self.table
            .push(KvStore)
            .map_err(|e| key_value::Error::Other(e.to_string()))
    }

    fn get(
        &mut self,
        _: Resource<KvStore>,
        key: String,
    ) -> Result<Option<Vec<u8>>, key_value::Error> {
        let value = self.shared.kv.lock().unwrap().get(&key).cloned();
        self.shared.read_gate.on_read(&key);
        Ok(value)
    }

    fn set(
        &mut self,
        _: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), key_value::Error> {
        self.shared.kv.lock().unwrap().insert(key, value);
        Ok(())
    }

    fn delete(&mut self, _: Resource<KvStore>, key: String) -> Result<(), key_value::Error> {
        self.shared.kv.lock().unwrap().remove(&key);
        Ok(())
    }

    fn exists(&mut self, _: Resource<KvStore>, key: String) -> Result<bool, key_value::Error> {
        Ok(self.shared.kv.lock().unwrap().contains_key(&key))
    }

    fn get_keys(&mut self, _: Resource<KvStore>) -> Result<Vec<String>, key_value::Error> {
        Ok(self.shared.kv.lock().unwrap().keys().cloned().collect())
    }

    fn drop(&mut self, store: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}

impl variables::Host for HostState {
    fn get(&mut self, name: String) -> Result<String, variables::Error> {
        self.shared
            .variables
            .get(&name)
            .cloned()
            .ok_or(variables::Error::Undefined(name))
    }
}

struct OffsetClock(Arc<AtomicU64>);

impl HostWallClock for OffsetClock {
    fn resolution(&self) -> Duration {
        Duration::from_millis(1)
    }

    fn now(&self) -> Duration {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            + Duration::from_millis(self.0.load(Ordering::Relaxed))
    }
}

/// One answered request.
pub struct Answered {
    pub status: u16,
    pub body: String,
}

pub struct SpinHost {
    pre: ProxyPre<HostState>,
    engine: Engine,
    pub shared: Shared,
    files_dir: std::path::PathBuf,
}

impl SpinHost {
    /// Loads the composed component (compiled once, cached next to it by content and engine).
    pub fn load(
        component_path: &Path,
        files_dir: &Path,
        shared: Shared,
    ) -> anyhow::Result<SpinHost> {
        let engine = Engine::default();
        let bytes = std::fs::read(component_path)?;
        let key = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            bytes.hash(&mut h);
            engine.precompile_compatibility_hash().hash(&mut h);
            h.finish()
        };
        let cached = component_path.with_file_name(format!("symflow-{key:016x}.cwasm"));
        let component = if cached.exists() {
            // SAFETY: the file was written by `Component::serialize` of this same engine
            // configuration (the key includes the engine's compatibility hash).
            unsafe { Component::deserialize_file(&engine, &cached)? }
        } else {
            let component = Component::new(&engine, &bytes)?;
            // Written under a name of its own, then renamed into place: tests load at the same
            // time, and `deserialize_file` maps the file, so rewriting a file another test has
            // mapped (truncate, then write) changed that test's memory image under it. This
            // was CI's "memory fault … in dlfree" of the Spin app.
            let dir = cached.parent().expect("the component has a directory");
            let mut partial = tempfile::NamedTempFile::new_in(dir)?;
            std::io::Write::write_all(&mut partial, &component.serialize()?)?;
            partial.persist(&cached)?;
            component
        };
        let mut linker: Linker<HostState> = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        key_value::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        variables::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;
        let pre = ProxyPre::new(linker.instantiate_pre(&component)?)?;
        Ok(SpinHost {
            pre,
            engine,
            shared,
            files_dir: files_dir.to_path_buf(),
        })
    }

    fn new_store(&self) -> anyhow::Result<Store<HostState>> {
        let mut wasi = WasiCtx::builder();
        wasi.inherit_stderr()
            .wall_clock(OffsetClock(self.shared.clock_offset_ms.clone()))
            .preopened_dir(&self.files_dir, "/symflow", DirPerms::READ, FilePerms::READ)?;
        Ok(Store::new(
            &self.engine,
            HostState {
                wasi: wasi.build(),
                http: WasiHttpCtx::new(),
                table: ResourceTable::new(),
                hooks: Hooks {
                    allowed_authorities: self.shared.allowed_authorities.clone(),
                },
                shared: self.shared.clone(),
            },
        ))
    }

    /// Instantiation only (what Spin does before every request), for the benchmark.
    pub async fn instantiate_only(&self) -> anyhow::Result<Duration> {
        let mut store = self.new_store()?;
        let started = Instant::now();
        let _proxy = self.pre.instantiate_async(&mut store).await?;
        Ok(started.elapsed())
    }

    /// Serves one request in a fresh instance, waiting for the work done after the answer.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> anyhow::Result<Answered> {
        let mut store = self.new_store()?;
        let proxy = self.pre.instantiate_async(&mut store).await?;
        let mut builder = hyper::Request::builder()
            .method(method)
            .uri(format!("http://symflow.test{path}"));
        for (name, value) in headers {
            builder = builder.header(*name, value.as_str());
        }
        let request = builder.body(
            Full::new(Bytes::from(body))
                .map_err(|never: std::convert::Infallible| -> ErrorCode { match never {} }),
        )?;
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let incoming = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)?;
        let out = store.data_mut().http().new_response_outparam(sender)?;
        let task = tokio::spawn(async move {
            proxy
                .wasi_http_incoming_handler()
                .call_handle(&mut store, incoming, out)
                .await
        });
        let response = receiver.await??;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        task.await??;
        Ok(Answered {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}
